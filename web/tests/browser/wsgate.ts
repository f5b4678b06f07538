// A loopback TCP relay between the page and pop3ws-proxy that reads the
// WebSocket frames going through it (RFC 6455 §5.2) and can hold a
// connection at an exact point of the POP3 session: before a command the
// page sent reaches the proxy, or before a reply frame reaches the page. The
// fault test kills a process while a connection is held, so the kill lands
// at that point, not some milliseconds later. Plain HTTP passes untouched.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the gate asks of its owner. Return true to hold the connection there. */
export interface GateHooks {
  /** A command line from the page (its verb only), before it is forwarded. */
  command(verb: string): boolean;
  /** A reply frame before it is forwarded: payload bytes, multi-line replies it ends. */
  reply(bytes: number, ended: number): boolean;
  /** The connection is held from now on (nothing more goes either way). */
  held(): void;
}

// Commands a page sends (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH): only these
// verbs are read from the frames, never arguments, secrets or message bytes.
const VERBS = new Set(['USER', 'PASS', 'AUTH', 'APOP', 'CAPA', 'STLS', 'STAT', 'UIDL', 'LIST', 'TOP', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT']);
// Larger frames are not parsed: the connection is cut (the proxy's own
// max_message_bytes is far below this).
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
// The multi-line reply terminator, RFC 1939 §3.
const END = Buffer.from('\r\n.\r\n');

interface Frame {
  raw: Buffer;
  payload: Buffer;
}

/** Splits off the complete frames at the start of `buf`; null on a frame too large. */
function takeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } | null {
  const frames: Frame[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b1 = buf[at + 1] as number;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      const big = buf.readBigUInt64BE(at + 2);
      if (big > BigInt(MAX_FRAME_BYTES)) return null;
      len = Number(big);
      head = 10;
    }
    if (len > MAX_FRAME_BYTES) return null;
    const keyAt = at + head;
    if (masked) head += 4;
    if (buf.length - at < head + len) break;
    const payload = Buffer.from(buf.subarray(at + head, at + head + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (buf[keyAt + (i % 4)] as number);
    frames.push({ raw: buf.subarray(at, at + head + len), payload });
    at += head + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export class WsGate {
  hooks: GateHooks | null = null;
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  /** WebSocket connections open through the gate. */
  open = 0;
  port = 0;

  constructor(private readonly targetPort: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((res) => this.server?.listen(0, '127.0.0.1', () => res()));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort(), '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let ws = false;
    let held = false;
    let up = Buffer.alloc(0); // page -> proxy, not yet forwarded
    let down = Buffer.alloc(0); // proxy -> page
    let upHeaderDone = false;
    let downHeaderDone = false;
    let tail = Buffer.alloc(0); // last bytes of the previous reply frame
    const end = () => {
      if (ws) this.open--;
      ws = false;
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    const hold = () => {
      held = true;
      this.hooks?.held();
    };
    client.on('data', (d: Buffer) => {
      if (held) return;
      up = Buffer.concat([up, d]);
      if (!upHeaderDone) {
        const i = up.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = up.subarray(0, i).toString('latin1');
        upHeaderDone = true;
        ws = /^upgrade:\s*websocket/im.test(head);
        if (ws) this.open++;
        upstream.write(up.subarray(0, i + 4));
        up = up.subarray(i + 4);
        if (!ws) {
          // Plain HTTP: no frames to read.
          client.removeAllListeners('data');
          if (up.length) upstream.write(up);
          client.pipe(upstream);
          return;
        }
      }
      const got = takeFrames(up);
      if (!got) return end();
      for (const f of got.frames) {
        for (const line of f.payload.toString('latin1').split('\r\n')) {
          const verb = /^[A-Z]{3,4}(?= |$)/.exec(line)?.[0];
          if (verb && VERBS.has(verb) && this.hooks?.command(verb)) return hold();
        }
        upstream.write(f.raw);
      }
      up = Buffer.from(got.rest);
    });
    upstream.on('data', (d: Buffer) => {
      if (held) return;
      if (!ws) {
        client.write(d);
        return;
      }
      down = Buffer.concat([down, d]);
      if (!downHeaderDone) {
        const i = down.indexOf('\r\n\r\n');
        if (i < 0) return;
        downHeaderDone = true;
        client.write(down.subarray(0, i + 4));
        down = down.subarray(i + 4);
      }
      const got = takeFrames(down);
      if (!got) return end();
      for (const f of got.frames) {
        const text = Buffer.concat([tail, f.payload]);
        let ended = 0;
        for (let i = text.indexOf(END); i >= 0; i = text.indexOf(END, i + END.length)) ended++;
        tail = Buffer.from(text.subarray(Math.max(0, text.length - (END.length - 1))));
        if (this.hooks?.reply(f.payload.length, ended)) return hold();
        client.write(f.raw);
      }
      down = Buffer.from(got.rest);
    });
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
