// Language choice: follows navigator.language (Chinese → Simplified Chinese,
// anything else → English) unless the user picked one, kept in localStorage.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, zh, type StringKey } from './strings';

export type Lang = 'en' | 'zh';
const TABLES: Record<Lang, Record<StringKey, string>> = { en, zh };
const PREF = 'pop3ws.lang';

export function initialLang(): Lang {
  const saved = localStorage.getItem(PREF);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function saveLang(l: Lang): void {
  localStorage.setItem(PREF, l);
}

export type Translate = (key: StringKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const table = TABLES[lang];
  return (key, params) => {
    let s = table[key] ?? en[key];
    if (params) for (const [k, v] of Object.entries(params)) s = s.replace(`{${k}}`, String(v));
    return s;
  };
}

export const I18n = createContext<{ lang: Lang; t: Translate }>({ lang: 'en', t: translator('en') });
export const useI18n = () => useContext(I18n);

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

// Intl.DateTimeFormat objects are costly to build (locale data lookup) and
// toLocale*String builds one per call: with thousands of rows that was the
// page's largest cost while a mailbox listed. One per locale and kind.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string, kind: 'time' | 'date'): Intl.DateTimeFormat {
  const key = `${locale}/${kind}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      locale,
      kind === 'time' ? { hour: '2-digit', minute: '2-digit' } : { year: 'numeric', month: 'short', day: 'numeric' },
    );
    dateFormats.set(key, f);
  }
  return f;
}

/** A list row's date: the time for today's mail, else the day. */
export function formatDate(ms: number, lang: Lang, now = new Date()): string {
  if (!ms) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const today = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return dateFormat(locale, today ? 'time' : 'date').format(d);
}
