// One POP3 session over a WebSocket to pop3ws-proxy (binary frames carry the
// raw POP3 bytes both ways; TLS to the mail server ends at the proxy).
//
// The codec (WASM) frames replies from the FIFO of commands it sent, so we
// keep a parallel FIFO of "waiters": each command we issue adds one, and the
// codec's replies complete them in order. Commands the codec issues by itself
// (CAPA again after login, RFC 2449 §5; SASL steps) are matched by name and
// otherwise ignored. Many commands may be queued at once: the codec
// pipelines them when the server allows (RFC 2449 §6.6).
import type { CodecError, CodecEvent, LoginRequest, Pop3Session } from '../../../client-wasm/bindings/pop3ws.mjs';
import type { ErrorKind, WorkerError } from '../protocol/messages';

export interface ReplyInfo {
  ok: boolean;
  code: string;
  text: string;
}

export interface Listing extends ReplyInfo {
  items: { message: number; octets?: number; uid?: string }[];
}

export interface BodyResult extends ReplyInfo {
  bytes: Uint8Array;
}

type Waiter = {
  /** Command names that complete this waiter (the first in the list is the one issued). */
  commands: string[];
  multiline: boolean;
  items: Listing['items'];
  chunks: Uint8Array[];
  received: number;
  /** Bytes of body accepted before the reply counts as hostile (endless body). */
  limit: number;
  /** How long this reply may keep us waiting before the server counts as stalled. */
  patienceMs: number;
  onChunk?: (received: number) => void;
  reply?: ReplyInfo;
  resolve: (v: BodyResult & Listing) => void;
  reject: (e: WorkerError) => void;
};

/**
 * A reply is due and nothing arrived for this long: the server stalled (o2.pl
 * drops pipelined commands, RFC 2449 §6.6 notwithstanding). Long enough for a
 * slow QUIT that expunges many messages; shorter than the usual server idle
 * timeouts (30 s and more), so the stall, not the hang-up, is what is seen.
 */
export const STALL_MS = 20_000;

/**
 * The wait for the reply to a QUIT that commits deletions: the server removes
 * the messages before it answers (RFC 1939 §6), and expunging thousands of
 * them on a busy disk has taken over 30 s. Same default as the CLI's
 * --quit-timeout. Nothing is lost if it passes: deletions happen only for
 * messages already stored, and the next session reads the UIDLs again.
 */
export const QUIT_STALL_MS = 300_000;

/**
 * How long the reply to QUIT may take. The long wait is only for a QUIT that
 * left alone, after every earlier reply had arrived: a server that drops
 * commands arriving together (o2.pl) cannot have dropped it, so its silence
 * is the expunge, not a stall.
 */
export function quitPatienceMs(sentAlone: boolean, marked: number): number {
  return sentAlone && marked > 0 ? QUIT_STALL_MS : STALL_MS;
}

export class ConnectionError extends Error {
  constructor(readonly info: WorkerError) {
    super(info.kind);
  }
}

/**
 * Maps the proxy's WebSocket close code to words for the user. The codes are
 * pop3ws-proxy's (proxy/src/close_codes.hpp, RFC 6455 §7.4.2 private range).
 */
export function closeKind(code: number, opened: boolean): ErrorKind {
  switch (code) {
    case 4000: // unknown target
    case 4001: // target not allowed
      return 'unknown-target';
    case 4002: // connect failed (proxy -> mail server)
      return 'server-unreachable';
    case 4003: // TLS verification failed
    case 4004: // TLS handshake failed
    case 4005: // STARTTLS failed
      return 'tls-failed';
    case 4008:
      return 'limit-reached';
    default:
      // 1006 without ever opening: nothing answered at the proxy address.
      return !opened && code === 1006 ? 'proxy-unreachable' : 'connection-lost';
  }
}

/** No single message is accepted beyond this, whatever LIST said. */
export const MAX_BODY = 512 * 1024 * 1024;

/**
 * LIST sizes are estimates (Dovecot counts LF line ends, RFC 1939 §5 says
 * "octets" loosely), so a message may arrive larger: at most twice (every
 * line end doubled) plus slack. More than that is a hostile endless body.
 */
export function bodyLimit(announced?: number): number {
  if (announced === undefined || !(announced > 0)) return MAX_BODY;
  return Math.min(MAX_BODY, announced * 2 + 1024 * 1024);
}

export class Pop3Connection {
  private ws: WebSocket | null = null;
  private waiters: Waiter[] = [];
  private opened = false;
  private greetingWaiter: { resolve: (g: ReplyInfo) => void; reject: (e: WorkerError) => void } | null = null;
  /** Replies to commands the codec sent on its own, whose data we skip. */
  private skipping = false;
  private closing = false;
  closed = false;
  closeInfo: WorkerError | null = null;
  onClose: ((e: WorkerError | null) => void) | null = null;
  onTranscript: (() => void) | null = null;
  /** Sees every byte received, before the codec does (the console's wire view). */
  onRaw: ((bytes: Uint8Array) => void) | null = null;

  private lastActivity = Date.now();
  /** Messages marked with DELE since login or the last RSET. */
  private marked = 0;
  /** Settles when the reply to the last command issued has arrived. */
  private lastReply: Promise<unknown> = Promise.resolve();
  private stallTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly session: Pop3Session) {}

  /** Whether the codec pipelines (the server offered PIPELINING). */
  get pipelining(): boolean {
    return this.session.pipeliningActive;
  }

  get state(): string {
    return this.session.state;
  }

  get capabilities() {
    return this.session.capabilities;
  }

  /** Opens the WebSocket and waits for the server's greeting (RFC 1939 §4). */
  open(url: string, encrypted: boolean, loopback: boolean): Promise<ReplyInfo> {
    this.session.setLink(encrypted, loopback);
    return new Promise((resolve, reject) => {
      this.greetingWaiter = { resolve, reject };
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, ['binary']);
      } catch (e) {
        reject({ kind: 'proxy-unreachable', detail: String(e) });
        return;
      }
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      ws.onopen = () => {
        this.opened = true;
        this.lastActivity = Date.now();
        this.stallTimer = setInterval(() => this.checkStall(), 1000);
      };
      ws.onmessage = (m: MessageEvent) => {
        if (!(m.data instanceof ArrayBuffer)) return;
        this.lastActivity = Date.now();
        this.onRaw?.(new Uint8Array(m.data));
        const err = this.session.feed(new Uint8Array(m.data), (ev) => this.onEvent(ev));
        if (err) this.fail({ kind: 'protocol', detail: `${err.code}: ${err.detail}` });
        this.flush();
      };
      ws.onclose = (c: CloseEvent) => {
        // Tell the codec about the end (RFC 1939 §6: only a QUIT answered
        // +OK is a clean end) but let the WebSocket's close code, which says
        // *why* (proxy close codes), decide what the user is told.
        this.closing = true;
        this.session.eof((ev) => this.onEvent(ev));
        const clean = this.session.state === 'CLOSED' && this.waiters.length === 0 && !this.greetingWaiter;
        this.finish(clean ? null : { kind: closeKind(c.code, this.opened), detail: c.reason || `WebSocket closed (${c.code})` });
      };
      ws.onerror = () => {
        // onclose follows with the code; nothing to do here.
      };
    });
  }

  private checkStall(): void {
    const due = this.waiters.length > 0 || this.greetingWaiter !== null;
    if (!due) {
      this.lastActivity = Date.now();
      return;
    }
    const limit = this.waiters[0]?.patienceMs ?? STALL_MS;
    if (Date.now() - this.lastActivity > limit) {
      this.fail({ kind: 'stalled', detail: `no answer for ${limit / 1000} s` });
    }
  }

  private finish(info: WorkerError | null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
    this.closeInfo = info;
    const err = info ?? { kind: 'connection-lost' as const, detail: 'closed' };
    if (this.greetingWaiter) this.greetingWaiter.reject(err);
    this.greetingWaiter = null;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.onTranscript?.();
    this.onClose?.(info);
  }

  private fail(info: WorkerError): void {
    try {
      this.ws?.close(1000);
    } catch {
      /* already closing */
    }
    this.finish(info);
  }

  /**
   * Commands issued in one task leave in one WebSocket message, so a
   * pipelined group (RFC 2449 §6.6) reaches the server together: one frame
   * for the proxy to relay instead of one per command, and servers that
   * mishandle commands split over several reads see them as a client
   * program would send them.
   */
  private flushQueued = false;
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sends whatever the codec has queued. */
  flush(): void {
    const out = this.session.takeOutput();
    if (out.length && this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(out);
    this.onTranscript?.();
  }

  takeTranscript() {
    return this.session.takeTranscript();
  }

  private onEvent(ev: CodecEvent): void {
    switch (ev.type) {
      case 'greeting': {
        const g = this.greetingWaiter;
        this.greetingWaiter = null;
        if (!g) return;
        if (ev.ok) g.resolve({ ok: true, code: '', text: ev.text });
        else g.reject({ kind: 'server-trouble', detail: ev.text });
        return;
      }
      case 'reply': {
        const w = this.waiters[0];
        if (!w || !w.commands.includes(ev.command)) {
          // A command the codec issued itself (e.g. CAPA after login).
          this.skipping = ev.ok && ev.multiline;
          return;
        }
        this.skipping = false;
        const info = { ok: ev.ok, code: ev.code, text: ev.text };
        // USER's +OK is a step of a USER/PASS login, not its end.
        const intermediate = ev.ok && w.commands[0] === 'LOGIN' && ev.command === 'USER';
        if (intermediate) return;
        if (ev.detail && ev.detail.kind !== 'stat') w.items.push(ev.detail);
        if (ev.detail && ev.detail.kind === 'stat') w.items.push({ message: ev.detail.count, octets: ev.detail.octets });
        w.reply = info;
        if (!(ev.ok && ev.multiline)) this.complete();
        return;
      }
      case 'list-item':
      case 'uidl-item':
        if (!this.skipping) this.waiters[0]?.items.push(ev);
        return;
      case 'body': {
        const w = this.waiters[0];
        if (!w || this.skipping) return;
        w.chunks.push(ev.data);
        w.received += ev.data.length;
        if (w.received > w.limit) {
          // Never buffer without bound: an endless body ends the session.
          this.fail({ kind: 'too-large', detail: `${ev.command} ${ev.message}: more than ${w.limit} bytes` });
          return;
        }
        w.onChunk?.(w.received);
        return;
      }
      case 'multiline-end':
        if (this.skipping) {
          this.skipping = false;
          return;
        }
        this.complete();
        return;
      case 'cancelled': {
        const w = this.waiters[0];
        if (w && w.commands.includes(ev.command)) {
          this.waiters.shift();
          w.reject({ kind: 'refused', detail: `${ev.command} cancelled` });
        }
        return;
      }
      case 'protocol-error':
        if (this.closing) return; // the close code explains it better
        this.fail({ kind: 'protocol', detail: `${ev.error.code}: ${ev.error.detail}` });
        return;
      case 'closed':
      case 'capabilities':
      case 'start-tls':
        return;
    }
  }

  private complete(): void {
    const w = this.waiters.shift();
    if (!w) return;
    const reply = w.reply ?? { ok: false, code: '', text: '' };
    let bytes: Uint8Array;
    if (w.chunks.length === 1) bytes = w.chunks[0] as Uint8Array;
    else {
      bytes = new Uint8Array(w.received);
      let o = 0;
      for (const c of w.chunks) {
        bytes.set(c, o);
        o += c.length;
      }
    }
    w.resolve({ ...reply, items: w.items, bytes });
  }

  private issue(
    commands: string[],
    send: () => CodecError | null,
    onChunk?: (n: number) => void,
    limit = MAX_BODY,
    patienceMs = STALL_MS,
  ): Promise<BodyResult & Listing> {
    if (this.closed) return Promise.reject(this.closeInfo ?? { kind: 'not-connected', detail: '' });
    const reply = new Promise<BodyResult & Listing>((resolve, reject) => {
      const err = send();
      if (err) {
        reject({ kind: err.code === 'insecure-auth' ? 'insecure-link' : 'refused', detail: `${err.code}: ${err.detail}` });
        return;
      }
      if (this.waiters.length === 0) this.lastActivity = Date.now();
      this.waiters.push({ commands, multiline: false, items: [], chunks: [], received: 0, limit, patienceMs, onChunk, resolve, reject });
      this.flushSoon();
    });
    this.lastReply = reply.catch(() => undefined);
    return reply;
  }

  login(req: LoginRequest): Promise<ReplyInfo> {
    return this.issue(['LOGIN', 'USER', 'PASS', 'APOP', 'AUTH'], () => this.session.login(req));
  }
  capa() {
    return this.issue(['CAPA'], () => this.session.capa());
  }
  stat() {
    return this.issue(['STAT'], () => this.session.stat());
  }
  uidl() {
    return this.issue(['UIDL'], () => this.session.uidl());
  }
  list() {
    return this.issue(['LIST'], () => this.session.list());
  }
  /** `announced`: the size LIST gave, which bounds what we accept (bodyLimit). */
  top(n: number, lines: number, announced?: number) {
    return this.issue(['TOP'], () => this.session.top(n, lines), undefined, bodyLimit(announced));
  }
  retr(n: number, onChunk?: (received: number) => void, announced?: number) {
    return this.issue(['RETR'], () => this.session.retr(n), onChunk, bodyLimit(announced));
  }
  dele(n: number) {
    this.marked++;
    return this.issue(['DELE'], () => this.session.dele(n));
  }
  rset() {
    this.marked = 0;
    return this.issue(['RSET'], () => this.session.rset());
  }
  noop() {
    return this.issue(['NOOP'], () => this.session.noop());
  }
  /**
   * QUIT waits for every reply already due, so it leaves alone and may then
   * be given the expunge's time (quitPatienceMs).
   */
  async quit(): Promise<ReplyInfo> {
    await this.lastReply;
    const alone = this.waiters.length === 0;
    return this.issue(['QUIT'], () => this.session.quit(), undefined, MAX_BODY, quitPatienceMs(alone, this.marked));
  }

  /**
   * One raw line typed in the console: the codec checks state and arguments
   * and either refuses it (nothing is sent) or queues it. Its reply has no
   * waiter, so it is skipped like the codec's own commands.
   */
  submitLine(line: string): { command: string } | { error: CodecError } {
    if (this.closed) return { error: { code: 'failed', detail: 'not connected' } };
    // The page cannot do the TLS handshake STLS asks for (RFC 2595 §4): TLS
    // to the mail server is the proxy's, set per target by its operator.
    if (/^\s*stls\s*$/i.test(line))
      return { error: { code: 'wrong-state', detail: 'STLS: TLS to the mail server is set up by the proxy, not the page' } };
    const r = this.session.submitLine(line);
    if (r.error) return { error: r.error };
    if (r.command === 'DELE') this.marked++;
    if (r.command === 'RSET') this.marked = 0;
    this.flush();
    return { command: r.command as string };
  }

  close(): void {
    try {
      this.ws?.close(1000);
    } catch {
      /* ignore */
    }
    this.finish(null);
  }

  dispose(): void {
    this.close();
    this.session.close();
  }
}
