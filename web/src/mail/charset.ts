// Character-set handling that postal-mime does not do by itself.
//
// postal-mime already maps charset labels the WHATWG Encoding Standard knows
// (gb2312 and gbk both decode with the GB18030 decoder, cp950 → big5, …) and
// joins adjacent encoded words when their *encoded text* can be concatenated.
// Two things real mail needs are missing (see docs on real servers):
//  1. Base64 encoded words split in the middle of a multi-byte character where
//     each word carries its own padding ("=?gbk?B?xOM=?= =?gbk?B?usM=?="):
//     RFC 2047 §5 forbids the split, but mailers do it. Only the decoded
//     *bytes* can be joined, so we decode each run of same-charset words to
//     bytes and re-encode the run as one word before postal-mime sees it.
//  2. Raw 8-bit header bytes with no charset at all (common in GBK mail).
//     postal-mime decodes header lines as UTF-8, which turns GBK into U+FFFD.
//     We transcode such lines to UTF-8 using a charset guessed from the
//     reader's language, which the user can override.
// The raw message is never changed: this only prepares a copy for parsing.

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * The default for 8-bit headers that name no charset: guessed from the bytes
 * (guessUndeclared), else the reader's language (guessLegacyCharset).
 */
export const AUTO_CHARSET = 'auto';

/** Charsets offered to the user for 8-bit headers that name none. */
export const LEGACY_CHARSETS = [
  AUTO_CHARSET,
  'gb18030',
  'big5',
  'shift_jis',
  'euc-kr',
  'windows-1251',
  'windows-1252',
  'iso-8859-2',
  'utf-8',
] as const;

/**
 * Maps a MIME charset label to one TextDecoder accepts, or null if none.
 * Labels the Encoding Standard lists pass through; the rest are vendor
 * spellings seen in mail.
 */
export function resolveCharset(label: string): string | null {
  const l = label.trim().toLowerCase();
  // gb2312 is in practice GBK or GB18030 content; GB18030 is a superset of
  // both, so the widest decoder never loses characters.
  const vendor: Record<string, string> = {
    gb2312: 'gb18030',
    gbk: 'gb18030',
    'x-gbk': 'gb18030',
    cp936: 'gb18030',
    ms936: 'gb18030',
    'windows-936': 'gb18030',
    cp950: 'big5',
    ms950: 'big5',
    'windows-950': 'big5',
    'big5-hkscs': 'big5',
    cp932: 'shift_jis',
    ms932: 'shift_jis',
    cp949: 'euc-kr',
    'ks_c_5601-1987': 'euc-kr',
    'iso-2022-jp-1': 'iso-2022-jp',
    'iso-2022-jp-2': 'iso-2022-jp',
    'tis-620': 'windows-874',
    'iso-8859-8-i': 'iso-8859-8',
    utf8: 'utf-8',
  };
  const candidate = vendor[l] ?? l;
  try {
    return new TextDecoder(candidate).encoding;
  } catch {
    return null;
  }
}

/** Decodes bytes with a MIME charset label; unknown labels fall back to UTF-8. */
export function decodeBytes(bytes: Uint8Array, label: string | null | undefined): string {
  const cs = (label && resolveCharset(label)) || 'utf-8';
  return new TextDecoder(cs).decode(bytes);
}

/**
 * The charset to assume for 8-bit header bytes that declare none, from the
 * reader's language (BCP 47 tag, e.g. navigator.language).
 */
export function guessLegacyCharset(language: string): string {
  const tag = language.toLowerCase();
  if (tag.startsWith('zh')) {
    return /-(tw|hk|mo|hant)\b/.test(tag) ? 'big5' : 'gb18030';
  }
  if (tag.startsWith('ja')) return 'shift_jis';
  if (tag.startsWith('ko')) return 'euc-kr';
  if (tag.startsWith('ru') || tag.startsWith('uk') || tag.startsWith('bg') || tag.startsWith('sr')) {
    return 'windows-1251';
  }
  if (/^(pl|cs|sk|hu|hr|sl|ro)\b/.test(tag)) return 'iso-8859-2';
  return 'windows-1252';
}

// Double-byte charsets tried on undeclared 8-bit headers that are not UTF-8.
const CJK_CANDIDATES = ['gb18030', 'big5', 'shift_jis', 'euc-kr'] as const;
const HAN = /[\u4e00-\u9fff]/;
const KANA = /[\u3040-\u30ff]/;
const HANGUL = /[\uac00-\ud7a3]/;
// CJK punctuation, full-width forms (not the half-width katakana that
// misread bytes often become), and the general punctuation CJK text uses.
const CJK_PUNCT = /[\u3000-\u303f\uff01-\uff5e\u2010-\u2027\u00b7]/;
// A CJK character glued between two Latin letters is a misread accented
// letter ("crème" read as GBK), not CJK text.
const SANDWICH = /[A-Za-z][\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3][A-Za-z]/;

/**
 * How much `text`, decoded from undeclared bytes with `charset`, looks like
 * real text in that charset: the share of its non-ASCII characters that are
 * what the charset is mostly used for (Han for GB18030/Big5, Han and kana
 * for Shift_JIS, Hangul and Han for EUC-KR) or CJK punctuation; 0 when any
 * character is implausible. Hand-written because no npm package the project
 * uses guesses charsets (chardet-style detectors need large frequency tables;
 * a header line is too short for them anyway).
 */
export function cjkPlausibility(text: string, charset: string): number {
  const chars = [...text].filter((c) => c.charCodeAt(0) >= 0x80);
  if (chars.length === 0 || SANDWICH.test(text)) return 0;
  let good = 0;
  for (const c of chars) {
    const main =
      charset === 'shift_jis' ? HAN.test(c) || KANA.test(c) : charset === 'euc-kr' ? HANGUL.test(c) || HAN.test(c) : HAN.test(c);
    if (main || CJK_PUNCT.test(c)) good++;
    else if (!(KANA.test(c) || HANGUL.test(c))) return 0; // symbols, private use, U+FFFD...
  }
  return good / chars.length;
}

/**
 * The charset for undeclared 8-bit header bytes that are not UTF-8: a
 * double-byte CJK charset when the bytes decode cleanly in it and read as
 * plausible text (the language's own CJK charset first, then GB18030, Big5,
 * Shift_JIS, EUC-KR), otherwise the language's legacy charset.
 */
export function guessUndeclared(lines: Uint8Array[], language: string): string {
  const local = guessLegacyCharset(language);
  if (lines.length === 0) return local;
  const order = [...CJK_CANDIDATES].sort((a, b) => (b === local ? 1 : 0) - (a === local ? 1 : 0));
  let best: string | null = null;
  let bestScore = 0;
  for (const cs of order) {
    let score = 1;
    try {
      const dec = new TextDecoder(cs, { fatal: true });
      for (const l of lines) score = Math.min(score, cjkPlausibility(dec.decode(l), cs));
    } catch {
      score = 0;
    }
    // Strictly better only: ties keep the earlier (preferred) charset.
    if (score >= 0.9 && score > bestScore) {
      best = cs;
      bestScore = score;
    }
  }
  return best ?? local;
}

/** The language the worker or page runs in (for the legacy-charset guess). */
function runtimeLanguage(): string {
  return typeof navigator !== 'undefined' && navigator.language ? navigator.language : 'en';
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether any header line has 8-bit bytes that are not UTF-8 (no charset). */
export function hasUndeclared8bitHeader(raw: Uint8Array): boolean {
  const head = raw.subarray(0, headerEnd(raw));
  let start = 0;
  for (let i = 0; i <= head.length; i++) {
    if (i < head.length && head[i] !== 0x0a) continue;
    const line = head.subarray(start, i);
    start = i + 1;
    if (line.some((b) => b >= 0x80) && !isValidUtf8(line)) return true;
  }
  return false;
}

/** The header lines with 8-bit bytes that are not UTF-8 (no charset applies). */
export function undeclaredLines(raw: Uint8Array): Uint8Array[] {
  const head = raw.subarray(0, headerEnd(raw));
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= head.length; i++) {
    if (i < head.length && head[i] !== 0x0a) continue;
    const line = head.subarray(start, i);
    start = i + 1;
    if (line.some((b) => b >= 0x80) && !isValidUtf8(line)) out.push(line);
  }
  return out;
}

/** Offset of the blank line that ends the header (RFC 5322 §2.1), or the length. */
export function headerEnd(raw: Uint8Array): number {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    // "\n\n" or "\n\r\n" after a line end
    if (raw[i + 1] === 0x0a) return i + 1;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 1;
  }
  return raw.length;
}

function base64ToBytes(s: string): Uint8Array {
  const clean = s.replace(/[^A-Za-z0-9+/]/g, '');
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4);
  // A one-character remainder holds no whole byte (truncated word).
  const usable = clean.length % 4 === 1 ? clean.slice(0, -1) : padded;
  const bin = atob(usable);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000) {
    bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** RFC 2047 §4.2 "Q": underscore is space, =XX is a byte. */
function qToBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// A run of two or more encoded words separated only by linear white space
// (RFC 2047 §6.2: that white space is not displayed).
const WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=/g;
const RUN = /=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=(?:[ \t]*(?:\r?\n)?[ \t]+=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=)+/g;

/**
 * Re-encodes each run of adjacent encoded words that share a charset as a
 * single base64 word holding the joined bytes, so a character split across
 * words decodes whole.
 */
export function joinEncodedWords(value: string): string {
  return value.replace(RUN, (run) => {
    const words = [...run.matchAll(WORD)];
    let out = '';
    let cs: string | null = null;
    let parts: Uint8Array[] = [];
    const flush = () => {
      if (cs !== null && parts.length) out += (out ? ' ' : '') + `=?${cs}?B?${bytesToBase64(concat(parts))}?=`;
      parts = [];
    };
    for (const w of words) {
      const charset = (w[1] ?? '').toLowerCase();
      const enc = (w[2] ?? '').toUpperCase();
      const text = w[3] ?? '';
      if (charset !== cs) {
        flush();
        cs = charset;
      }
      parts.push(enc === 'B' ? base64ToBytes(text) : qToBytes(text));
    }
    flush();
    return out;
  });
}

/**
 * Returns a copy of the message prepared for postal-mime: header lines with
 * undeclared 8-bit bytes transcoded to UTF-8 from `fallbackCharset`, and
 * split encoded words joined. Returns the input itself if nothing changed.
 */
export function prepareForParsing(raw: Uint8Array, fallbackCharset: string, language = runtimeLanguage()): Uint8Array {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end);
  const fallback =
    fallbackCharset === AUTO_CHARSET ? guessUndeclared(undeclaredLines(raw), language) : (resolveCharset(fallbackCharset) ?? 'windows-1252');
  const lines: string[] = [];
  let changed = false;
  let start = 0;
  for (let i = 0; i <= head.length; i++) {
    if (i < head.length && head[i] !== 0x0a) continue;
    const line = head.subarray(start, Math.min(i + 1, head.length));
    start = i + 1;
    let text: string;
    if (isValidUtf8(line)) {
      text = utf8Strict.decode(line);
    } else {
      text = new TextDecoder(fallback).decode(line);
      changed = true;
    }
    lines.push(text);
  }
  // Join folded lines before looking for runs of encoded words, so a run
  // that continues on the next line is found; then unfold is kept as is.
  const header = lines.join('');
  let joined = header.includes('=?') ? joinEncodedWords(header) : header;
  // A single-part text body with 8-bit bytes and no charset (RFC 2045 §5.2
  // would say us-ascii, which it cannot be): decode it like the headers.
  const body = raw.subarray(end);
  const ctMatch = /^content-type:[^\n]*(?:\n[ \t][^\n]*)*/im.exec(joined);
  const ct = ctMatch ? ctMatch[0] : null;
  if ((ct === null || (/^content-type:\s*text\//i.test(ct) && !/charset\s*=/i.test(ct))) && body.some((b) => b >= 0x80) && !isValidUtf8(body)) {
    if (ct === null) {
      joined = joined.replace(/(\r?\n)?$/, (eol) => `${eol || '\r\n'}Content-Type: text/plain; charset=${fallback}${eol || ''}`);
    } else {
      joined = joined.replace(ct, `${ct.replace(/\s+$/, '')}; charset=${fallback}`);
    }
    changed = true;
  }
  if (joined !== header) changed = true;
  if (!changed) return raw;
  return concat([encoder.encode(joined), body]);
}
