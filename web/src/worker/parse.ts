// Message parsing with postal-mime, run in the worker so a 10 MB message
// never blocks the page. Input is first prepared by mail/charset.ts (raw
// 8-bit headers, split encoded words); the raw bytes stay untouched.
import PostalMime, { addressParser, decodeWords, type Address, type Email } from 'postal-mime';
import { hasUndeclared8bitHeader, prepareForParsing } from '../mail/charset';
import { headerFields } from './headers';
import type { AttachmentInfo, ParsedMessage, Summary } from '../protocol/messages';

function firstMailbox(a: Address | undefined): { name: string; address: string } {
  if (!a) return { name: '', address: '' };
  if (a.group) {
    const m = a.group[0];
    return { name: m?.name || a.name, address: m?.address ?? '' };
  }
  return { name: a.name, address: a.address ?? '' };
}

function formatAddresses(list: Address[] | undefined): string {
  if (!list) return '';
  const flat: string[] = [];
  for (const a of list) {
    const members = a.group ? a.group : [a];
    for (const m of members) flat.push(m.name ? `${m.name} <${m.address}>` : (m.address ?? ''));
  }
  return flat.join(', ');
}

function parseDate(value: string | undefined): number {
  if (!value) return 0;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : 0;
}

async function parse(raw: Uint8Array, fallbackCharset: string): Promise<Email> {
  return PostalMime.parse(prepareForParsing(raw, fallbackCharset), { attachmentEncoding: 'arraybuffer' });
}

/** The summary's fields from a header block, read by postal-mime's rules. */
function summaryFields(prepared: Uint8Array): { from: Address | undefined; subject: string; date: number; ctype: string } | null {
  const fields = headerFields(prepared);
  if (!fields) return null;
  const first = (key: string) => fields.find((f) => f.key === key);
  const fromValue = first('from')?.value;
  const subjectValue = first('subject')?.value;
  return {
    from: fromValue ? addressParser(fromValue)[0] : undefined,
    subject: subjectValue ? decodeWords(subjectValue) : '',
    date: parseDate(first('date')?.value),
    ctype: first('content-type')?.value.toLowerCase() ?? '',
  };
}

/**
 * Summary fields from a header block (the output of `TOP n 0`, RFC 1939 §7).
 * Read with postal-mime's header rules (headers.ts) rather than a whole
 * postal-mime parse, which is many times slower per message.
 */
export async function summarize(
  header: Uint8Array,
  base: Pick<Summary, 'accountId' | 'uid' | 'size' | 'firstSeen'>,
  fallbackCharset: string,
): Promise<Summary> {
  const prepared = prepareForParsing(header, fallbackCharset);
  let f = summaryFields(prepared);
  if (!f) {
    // Too large for the quick reading: postal-mime decides (it refuses it).
    const email = await PostalMime.parse(prepared, { attachmentEncoding: 'arraybuffer' });
    f = {
      from: email.from,
      subject: email.subject ?? '',
      date: parseDate(email.date),
      ctype: email.headers.find((h) => h.key === 'content-type')?.value.toLowerCase() ?? '',
    };
  }
  const from = firstMailbox(f.from);
  return {
    ...base,
    fromName: from.name,
    fromAddress: from.address,
    subject: f.subject,
    date: f.date,
    // multipart/mixed (RFC 2046 §5.1.3) is what mailers use for attachments;
    // the body is not downloaded yet, so this is a hint only.
    attachmentHint: f.ctype.startsWith('multipart/mixed'),
    downloaded: false,
    markedForDeletion: false,
    ...(hasUndeclared8bitHeader(header) ? { header8bit: header.slice(0, 8192).buffer as ArrayBuffer } : {}),
  };
}

function byteLength(c: ArrayBuffer | Uint8Array | string): number {
  return typeof c === 'string' ? c.length : c.byteLength;
}

function toArrayBuffer(c: ArrayBuffer | Uint8Array | string): ArrayBuffer {
  if (typeof c === 'string') return new TextEncoder().encode(c).buffer as ArrayBuffer;
  if (c instanceof Uint8Array) return c.slice().buffer as ArrayBuffer;
  return c;
}

/** The whole message, for the reader. */
export async function parseMessage(
  raw: Uint8Array,
  ids: { accountId: string; uid: string },
  fallbackCharset: string,
): Promise<ParsedMessage> {
  const email = await parse(raw, fallbackCharset);
  const from = firstMailbox(email.from);
  const attachments: AttachmentInfo[] = email.attachments.map((a, index) => ({
    index,
    filename: a.filename ?? '',
    mimeType: a.mimeType,
    size: byteLength(a.content),
    contentId: a.contentId ? a.contentId.replace(/^<|>$/g, '') : null,
    disposition: a.disposition,
    content: toArrayBuffer(a.content),
  }));
  return {
    ...ids,
    fromName: from.name,
    fromAddress: from.address,
    to: formatAddresses(email.to),
    cc: formatAddresses(email.cc),
    subject: email.subject ?? '',
    date: parseDate(email.date),
    text: email.text ?? null,
    html: email.html ?? null,
    attachments,
    rawSize: raw.length,
  };
}
