// Keeps the raw lines of RETR/TOP bodies as the server sent them (dot-stuffed,
// RFC 1939 §3) for the console's "as on the wire" view. The codec condenses a
// body into one transcript line "(N octets of message M) ."; this splitter
// sees the same bytes first and lines them up with the transcript: every
// server line of the transcript stands for one raw line, a body line for all
// raw lines up to the terminating ".". It never parses POP3 itself.
// Memory is bounded: MAX_LINES lines of MAX_LINE_CHARS per body are kept.
import type { ConsoleLine } from '../console/interpret';

const MAX_LINES = 400;
const MAX_LINE_CHARS = 400;
// A line longer than this is cut while it arrives (an endless line must not
// grow the buffer; the codec itself fails it at its own limit).
const MAX_PARTIAL = 64 * 1024;
const BODY_LINE = /^\(\d+ octets of message \d+\) \.$/;

export class WireLines {
  private queue: string[] = [];
  private partial: number[] = [];
  private partialCut = false;
  private body: string[] = [];
  private omitted = 0;
  private readonly decoder = new TextDecoder('utf-8');

  /** Bytes as received from the WebSocket, before the codec sees them. */
  push(bytes: Uint8Array): void {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0a) continue;
      this.finishLine(bytes.subarray(start, i));
      start = i + 1;
    }
    this.addPartial(bytes.subarray(start));
  }

  private addPartial(b: Uint8Array): void {
    const room = MAX_PARTIAL - this.partial.length;
    if (b.length > room) this.partialCut = true;
    for (let i = 0; i < Math.min(room, b.length); i++) this.partial.push(b[i] as number);
  }

  private finishLine(tail: Uint8Array): void {
    this.addPartial(tail);
    let bytes = this.partial;
    if (!this.partialCut && bytes[bytes.length - 1] === 0x0d) bytes = bytes.slice(0, -1);
    let text = this.decoder.decode(new Uint8Array(bytes.slice(0, MAX_LINE_CHARS * 4)));
    if (text.length > MAX_LINE_CHARS || this.partialCut) text = text.slice(0, MAX_LINE_CHARS) + ' …';
    this.queue.push(text);
    this.partial = [];
    this.partialCut = false;
  }

  /**
   * Lines the entries pulled from the codec up with the raw lines, attaching
   * the wire lines to each body entry. Raw lines left over afterwards belong
   * to a body still arriving.
   */
  attach(entries: ConsoleLine[]): void {
    for (const e of entries) {
      if (e.direction !== 'S') continue;
      if (BODY_LINE.test(e.text)) {
        for (;;) {
          const l = this.queue.shift();
          if (l === undefined) break;
          if (l === '.') {
            this.body.push(l);
            break;
          }
          this.keep(l);
        }
        e.wire = this.body;
        e.wireOmitted = this.omitted;
        this.body = [];
        this.omitted = 0;
      } else {
        this.queue.shift();
      }
    }
    for (const l of this.queue.splice(0)) this.keep(l);
  }

  private keep(l: string): void {
    if (this.body.length < MAX_LINES) this.body.push(l);
    else this.omitted++;
  }
}
