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

/** Charsets offered to the user for 8-bit headers that name none. */
export const LEGACY_CHARSETS = [
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
export function prepareForParsing(raw: Uint8Array, fallbackCharset: string): Uint8Array {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end);
  const fallback = resolveCharset(fallbackCharset) ?? 'windows-1252';
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
