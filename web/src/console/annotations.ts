// Explanations of POP3 lines from the project's single annotation file
// (client-wasm/annotations/pop3.json, also read by `pop3ws shell` and checked
// against the codec by tests/codec/annotations_test.cpp).
import pop3 from '../../../client-wasm/annotations/pop3.json';
import type { Lang } from '../i18n';
import type { Interpreted } from './interpret';
import { consoleText, type ConsoleKey } from './strings';

export interface Entry {
  rfc: string;
  en: string;
  zh: string;
  usage?: string;
  states?: string[];
}

type Section = 'commands' | 'responses' | 'codes' | 'capabilities' | 'states' | 'errors';
const table = pop3 as unknown as Record<Section, Record<string, Entry>>;

export function entry(section: Section, name: string | undefined): Entry | undefined {
  if (!name) return undefined;
  return table[section][name];
}

/** Every name of a section (for completion and for the coverage test). */
export function names(section: Section): string[] {
  return Object.keys(table[section]);
}

/** Commands the prompt completes, as the codec's submitLine knows them. */
export const COMMANDS = [
  'USER', 'PASS', 'APOP', 'AUTH', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'STLS', 'UTF8',
] as const;

/** Response codes the console explains (RFC 2449 §8, RFC 3206, RFC 6856). */
export const CODES = ['IN-USE', 'LOGIN-DELAY', 'SYS/TEMP', 'SYS/PERM', 'AUTH', 'UTF8'] as const;

/** Capabilities the console explains (RFC 2449 §6, RFC 2595, RFC 3206, RFC 6856). */
export const CAPABILITIES = [
  'TOP', 'USER', 'SASL', 'RESP-CODES', 'LOGIN-DELAY', 'PIPELINING', 'EXPIRE', 'UIDL', 'IMPLEMENTATION', 'STLS', 'AUTH-RESP-CODE', 'UTF8',
] as const;

/** Session states a line can be in. */
export const STATES = ['GREETING', 'AUTHORIZATION', 'TRANSACTION', 'UPDATE', 'CLOSED'] as const;

/** Codec refusals and failures (the `code` of CodecError). */
export const ERRORS = [
  'wrong-state', 'bad-argument', 'argument-injection', 'insecure-auth', 'unsupported-mechanism', 'queue-full',
  'line-too-long', 'buffer-limit', 'malformed-response', 'unexpected-data', 'stls-injection', 'sasl-failure',
  'connection-closed', 'server-rejected', 'failed',
] as const;

export interface Explanation {
  /** Short label: "RETR", "+OK (reply to STAT)", ... */
  title: string;
  /** What the line does or means. */
  text: string;
  rfc: string;
  /** Extra facts: usage, response code, capability. */
  more: { label: string; text: string; rfc?: string }[];
  /** The state after this line, and why. */
  state: string;
  stateText: string;
  stateRfc: string;
  why: string;
}

function pick(e: Entry | undefined, lang: Lang): string {
  return e ? e[lang] : '';
}

/** The explanation of one interpreted line, in the reader's language. */
export function explain(l: Interpreted, lang: Lang): Explanation {
  const t = (k: ConsoleKey, p?: Record<string, string | number>) => consoleText(lang, k, p);
  const more: Explanation['more'] = [];
  let title = l.text;
  let main: Entry | undefined;
  let text = '';
  switch (l.kind) {
    case 'command': {
      main = entry('commands', l.command);
      title = l.command ?? l.text;
      if (main?.usage) more.push({ label: t('usage'), text: main.usage });
      if (main?.states) more.push({ label: t('allowedIn'), text: main.states.join(', ') });
      if (!main) text = t('unknownCommand');
      if (l.text.includes('********')) more.push({ label: t('masked'), text: t('maskedText') });
      break;
    }
    case 'sasl-response':
      main = entry('commands', 'AUTH');
      title = t('saslResponse');
      more.push({ label: t('masked'), text: t('maskedText') });
      break;
    case 'greeting':
      main = entry('responses', 'greeting');
      title = t('greeting');
      break;
    case 'challenge':
      main = entry('responses', '+');
      title = t('challenge');
      break;
    case 'status': {
      main = entry('responses', l.ok ? '+OK' : '-ERR');
      title = l.command ? t('replyTo', { status: l.ok ? '+OK' : '-ERR', command: l.command }) : l.ok ? '+OK' : '-ERR';
      const c = entry('commands', l.command);
      if (c) more.push({ label: l.command as string, text: c[lang], rfc: c.rfc });
      if (l.code) {
        const code = entry('codes', l.code);
        more.push({ label: `[${l.code}]`, text: code ? code[lang] : t('unknownCode'), rfc: code?.rfc });
      }
      break;
    }
    case 'data': {
      title = t('dataOf', { command: l.command ?? '' });
      if (l.capability) {
        main = entry('capabilities', l.capability);
        title = l.capability;
        if (!main) text = t('unknownCapability');
      } else if (l.command === 'LIST') {
        const [n, size] = l.text.split(/\s+/);
        text = t('listLine', { n: n ?? '', size: size ?? '' });
        main = entry('commands', 'LIST');
      } else if (l.command === 'UIDL') {
        const [n, uid] = l.text.split(/\s+/);
        text = t('uidlLine', { n: n ?? '', uid: uid ?? '' });
        main = entry('commands', 'UIDL');
      } else {
        main = entry('commands', l.command);
      }
      break;
    }
    case 'end':
      main = entry('responses', '.');
      title = t('endOf', { command: l.command ?? '' });
      break;
    case 'body':
      main = entry('responses', '.');
      title = t('bodyOf', { command: l.command ?? '', n: l.message ?? 0 });
      text = t('bodyText', { octets: l.bodyOctets ?? 0, n: l.message ?? 0 });
      break;
    case 'refusal': {
      main = entry('errors', l.refusal?.code);
      title = t('refused', { command: l.command ?? '' });
      if (l.command) {
        const c = entry('commands', l.command);
        if (c?.states) more.push({ label: t('allowedIn'), text: c.states.join(', '), rfc: c.rfc });
      }
      break;
    }
    case 'note':
      title = l.text;
      text = /TLS/.test(l.text) ? t('noteTls') : /closed/.test(l.text) ? t('noteClosed') : t('noteOther');
      break;
  }
  const st = entry('states', l.stateAfter);
  return {
    title,
    text: text ? (main ? `${text} ${pick(main, lang)}` : text) : pick(main, lang),
    rfc: main?.rfc ?? '',
    more,
    state: l.stateAfter,
    stateText: pick(st, lang),
    stateRfc: st?.rfc ?? '',
    why: t(`why_${l.reason}` as ConsoleKey, { before: l.stateBefore }),
  };
}
