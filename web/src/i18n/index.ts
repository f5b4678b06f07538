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

export function formatDate(ms: number, lang: Lang): string {
  if (!ms) return '';
  const d = new Date(ms);
  const now = new Date();
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  }
  return d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}
