// The console's own POP3 session (manual mode, step mode, lessons): a second
// connection through the proxy to the mailbox's server, separate from the
// mailbox's session so typed commands (QUIT, DELE...) never disturb it.
// Every line goes through the codec: submitLine checks state and arguments
// before anything is sent (a refusal sends nothing), and the transcript is
// the codec's, secrets masked.
import type { ConsoleLine } from '../console/interpret';
import type { Notice, SignIn } from '../protocol/messages';
import { fetchTargetLink, linkSecurity } from '../protocol/link';
import { createSession } from './codec';
import { Pop3Connection } from './connection';
import { WireLines } from './wire';

import { STEPS, type StepKey } from '../console/steps';

const FLUSH_MS = 60;

function randomNonce(): string {
  const b = new Uint8Array(18);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/[+/=]/g, 'x');
}

export class ConsoleSession {
  private conn: Pop3Connection | null = null;
  private number = 0;
  private pending: ConsoleLine[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private step = 0;
  /** Message numbers found by the step mode's STAT. */
  private newest = 0;

  constructor(private readonly post: (n: Notice) => void) {}

  get connected(): boolean {
    return !!this.conn && !this.conn.closed;
  }

  private emit(lines: ConsoleLine[]): void {
    this.pending.push(...lines);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const out = this.pending;
      this.pending = [];
      if (out.length) this.post({ type: 'console', entries: out });
    }, FLUSH_MS);
  }

  private status(): void {
    this.post({ type: 'console-status', connected: this.connected, state: this.conn?.state ?? 'CLOSED', step: this.step });
  }

  async open(s: SignIn): Promise<void> {
    this.close();
    // A PASS typed here over a clear-text leg goes only if the user insisted
    // at sign-in; the codec refuses it otherwise, before anything is sent.
    const session = await createSession(true, 'auto', s.allowClearText === true);
    const conn = new Pop3Connection(session);
    const number = ++this.number;
    const wire = new WireLines();
    conn.onRaw = (b) => wire.push(b);
    conn.onTranscript = () => {
      const now = Date.now();
      const lines: ConsoleLine[] = conn.takeTranscript().map((e) => ({ ...e, time: now, session: number }));
      wire.attach(lines);
      if (lines.length) this.emit(lines);
    };
    conn.onClose = () => {
      if (this.conn === conn) this.status();
      conn.dispose();
    };
    this.conn = conn;
    this.step = 0;
    const base = s.proxy.replace(/\/+$/, '').replace(/^http/, 'ws');
    // The same judgement of the password's way as the mailbox's session: a
    // PASS typed here over a clear-text leg is refused before it is sent.
    const link = linkSecurity(s.proxy, await fetchTargetLink(s.proxy, s.target));
    try {
      await conn.open(`${base}/pop3/${encodeURIComponent(s.target)}`, link.encrypted, link.loopback);
    } finally {
      this.step = 1;
      this.status();
    }
  }

  /** A typed line; a refusal is shown in the transcript and nothing is sent. */
  submit(line: string): { command: string } | { refusal: { code: string; detail: string } } {
    const conn = this.conn;
    const r = conn && !conn.closed ? conn.submitLine(line) : { error: { code: 'failed', detail: 'not connected' } };
    if ('error' in r) {
      // Typed secrets never reach the page's transcript: keep the command name only.
      const verb = line.trim().split(/\s+/)[0] ?? '';
      const shown = /^(PASS|APOP|AUTH)$/i.test(verb) ? `${verb} ********` : line;
      const refusal = { code: r.error.code, detail: r.error.detail };
      this.emit([{ direction: 'note', text: shown, octets: 0, time: Date.now(), session: this.number, refusal }]);
      return { refusal };
    }
    setTimeout(() => this.status(), 400);
    return { command: r.command };
  }

  /** Runs the next command of the automatic client; returns the step done. */
  async next(s: SignIn): Promise<StepKey | null> {
    const key = STEPS[this.step] ?? null;
    if (key === null) return null;
    if (key === 'connect') {
      await this.open(s);
      return key;
    }
    const conn = this.conn;
    if (!conn || conn.closed) throw { kind: 'not-connected', detail: '' };
    this.step++;
    try {
      switch (key) {
        case 'capa':
          await conn.capa();
          break;
        case 'login':
          await conn.login({ method: s.auth, user: s.user, secret: s.secret, secretIsToken: s.secretIsToken, clientNonce: randomNonce(), allowInsecure: s.allowClearText === true });
          break;
        case 'stat': {
          const r = await conn.stat();
          this.newest = r.items[0]?.message ?? 0;
          break;
        }
        case 'uidl':
          await conn.uidl();
          break;
        case 'list':
          await conn.list();
          break;
        case 'top':
          if (this.newest) await conn.top(this.newest, 0);
          break;
        case 'retr':
          if (this.newest) await conn.retr(this.newest);
          break;
        case 'dele':
          if (this.newest) await conn.dele(this.newest);
          break;
        case 'rset':
          await conn.rset();
          break;
        case 'quit':
          await conn.quit();
          break;
      }
    } finally {
      this.status();
    }
    return key;
  }

  /**
   * Signs in with a SASL mechanism (RFC 5034) for the lesson: the account's
   * own mechanism when it is one, else the strongest the server offers.
   */
  async sasl(s: SignIn): Promise<void> {
    const conn = this.conn;
    if (!conn || conn.closed) throw { kind: 'not-connected', detail: '' };
    const caps = await conn.capa().catch(() => null);
    const offered = (caps ? conn.capabilities.sasl : []).map((m) => m.toLowerCase());
    const own = s.auth !== 'auto' && s.auth !== 'user' && s.auth !== 'apop' ? s.auth : null;
    const order = s.secretIsToken ? ['oauthbearer', 'xoauth2'] : ['scram-sha-256', 'cram-md5', 'plain', 'login'];
    const method = (own ?? order.find((m) => offered.includes(m)) ?? 'plain') as SignIn['auth'];
    try {
      const r = await conn.login({ method, user: s.user, secret: s.secret, secretIsToken: s.secretIsToken, clientNonce: randomNonce(), allowInsecure: s.allowClearText === true });
      if (!r.ok) throw { kind: 'wrong-password', detail: r.text };
    } finally {
      this.status();
    }
  }

  close(): void {
    const c = this.conn;
    this.conn = null;
    c?.dispose();
    this.step = 0;
  }
}
