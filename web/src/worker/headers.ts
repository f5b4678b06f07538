// The header fields of a message (RFC 5322 §2.2), read the way postal-mime
// reads them, without building a MIME tree. A summary needs only From,
// Subject, Date and Content-Type of a `TOP n 0` reply; a full postal-mime
// parse of each of 2,000 replies cost a Blob round trip per part and most of
// the worker's time while listing (bench/web/profile.sh). The unit tests hold
// this reading to postal-mime's on the same bytes.

export interface HeaderField {
  /** Lower case, surrounding blanks removed. */
  key: string;
  /** Unfolded (line breaks removed, folding blanks kept), trimmed. */
  value: string;
}

// postal-mime refuses more header bytes than this (its maxHeadersSize
// default); larger blocks are left to it so the outcome stays the same.
export const MAX_HEADER_BYTES = 2 * 1024 * 1024;

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const isWsp = (c: number) => c === 0x20 || c === 0x09;

function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/**
 * The fields of the header block at the start of `raw` (up to the first empty
 * line, or all of it), or null when the block is too large to read here.
 */
export function headerFields(raw: Uint8Array): HeaderField[] | null {
  // Lines end at LF; trailing CR and LF bytes are not part of the line, a CR
  // inside one is (as postal-mime's readLine).
  const lines: string[] = [];
  let size = 0;
  let pos = 0;
  while (pos < raw.length) {
    const start = pos;
    let end = pos;
    while (pos < raw.length) {
      const c = raw[pos++] as number;
      if (c !== 0x0d && c !== 0x0a) end = pos;
      if (c === 0x0a) break;
    }
    if (end === start) break; // the empty line ends the header block
    size += end - start;
    if (size > MAX_HEADER_BYTES) return null;
    lines.push(decoder.decode(raw.subarray(start, end)));
  }
  // A line starting with SP or HTAB continues the field above (RFC 5322 §2.2.3).
  const folded: string[][] = [];
  for (const line of lines) {
    const last = folded[folded.length - 1];
    if (last && isWsp(line.charCodeAt(0))) last.push(line);
    else folded.push([line]);
  }
  return folded.map((parts) => {
    const unfolded = parts.join('');
    const sep = unfolded.indexOf(':');
    const key = trimWsp(sep < 0 ? unfolded : unfolded.slice(0, sep)).toLowerCase();
    const value = sep < 0 ? '' : trimWsp(unfolded.slice(sep + 1).replace(/[\r\n]+/g, ' '));
    return { key, value };
  });
}
