// The mail client's logic in the worker: sign in, list (UIDL + LIST, then
// `TOP n 0` for UIDLs not seen before, all pipelined), read (RETR, stored
// before it is shown), delete (DELE marks, QUIT commits, RSET undoes:
// RFC 1939 §§5-6) and the delete-from-server policy.
import type {
  AccountRef,
  DeletePolicy,
  Notice,
  ParsedMessage,
  ResultOf,
  SignIn,
  Summary,
  WorkerError,
} from '../protocol/messages';
import { accountIdOf } from '../protocol/messages';
import { createSession } from './codec';
import { Pop3Connection } from './connection';
import { loginError } from './errors';
import { fetchTargetLink, linkSecurity, serverLegEncrypted } from '../protocol/link';
import { NoticeCoalescer } from './coalesce';
import { dueForDeletion } from './policy';
import { parseMessage, summarize } from './parse';
import type { MailStore } from './store';

// Outlook drops sessions idle for about 60 s; a NOOP keeps ours alive.
const KEEPALIVE_MS = 25_000;
const SUMMARY_BATCH = 200;
// TOPs queued at once while listing (the codec pipelines up to 32).
const TOP_WINDOW = 48;
const TRANSCRIPT_INTERVAL_MS = 250;
// The page keeps 2,000 lines; more waiting than that is never shown.
const MAX_TRANSCRIPT_BACKLOG = 2000;
// RETRs in flight while downloading everything ("delete after download"):
// the codec's own pipeline window (Settings::pipeline_window). Replies come
// one after another (RFC 1939 §3), so a deeper window costs no memory, only
// queued commands.
const DOWNLOAD_WINDOW = 32;
// A write to IndexedDB starts once this much is waiting, or WRITE_DELAY_MS
// after the first message waits: fewer, larger transactions cost the
// browser less than one per handful of messages (bench/web/profile.sh).
const WRITE_BATCH_BYTES = 1024 * 1024;
const WRITE_DELAY_MS = 25;
// Downloaded bytes waiting for IndexedDB before the download lanes pause.
const DOWNLOAD_BACKLOG_BYTES = 16 * 1024 * 1024;

export class Failure extends Error {
  constructor(readonly info: WorkerError) {
    super(info.kind);
  }
}

function randomNonce(): string {
  const b = new Uint8Array(18);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/[+/=]/g, 'x');
}

export class Mailbox {
  private conn: Pop3Connection | null = null;
  private signIn: SignIn | null = null;
  private accountId: string | null = null;
  /** uid → message number and LIST size, for the open session. */
  private onServer = new Map<string, { n: number; size: number }>();
  private userMarked = new Set<string>();
  private policyMarked = new Set<string>();
  private keepalive: ReturnType<typeof setInterval> | null = null;
  /** Connection number, so the console restarts its reading at each greeting. */
  private connections = 0;
  /**
   * Set when a server stalled with commands pipelined (o2.pl answers only
   * the first of several RETRs): later sessions send one command at a time.
   */
  private noPipelining = false;
  /** A listing is running (a download in between must not end that phase). */
  private listing = false;

  constructor(
    private readonly store: MailStore,
    private readonly post: (n: Notice) => void,
  ) {}

  /** The signed-in account (the console opens its own session to it). */
  currentSignIn(): SignIn {
    if (!this.signIn) throw new Failure({ kind: 'not-connected', detail: '' });
    return this.signIn;
  }

  private phaseNow: Extract<Notice, { type: 'phase' }>['phase'] = 'idle';

  private phase(phase: Extract<Notice, { type: 'phase' }>['phase']): void {
    this.phaseNow = phase;
    this.post({ type: 'phase', phase, accountId: this.accountId });
  }

  private async keptCount(): Promise<number> {
    if (!this.accountId) return 0;
    return (await this.store.summaries(this.accountId)).filter((s) => s.downloaded).length;
  }

  async signInAndSync(s: SignIn): Promise<ResultOf['sign-in']> {
    this.disconnect();
    this.signIn = s;
    this.accountId = accountIdOf(s);
    const prev = await this.store.getAccount(this.accountId);
    await this.store.putAccount({
      id: this.accountId,
      proxy: s.proxy,
      target: s.target,
      user: s.user,
      policy: s.policy,
      lastSync: prev?.lastSync ?? 0,
    });
    await this.connect();
    const count = await this.sync();
    return { accountId: this.accountId, count };
  }

  private async connect(): Promise<void> {
    const s = this.signIn;
    if (!s) throw new Failure({ kind: 'not-connected', detail: '' });
    this.phase('connecting');
    let session;
    try {
      session = await createSession(true, this.noPipelining ? 'off' : 'auto');
    } catch {
      throw new Failure({ kind: 'codec-missing', detail: '' });
    }
    const conn = new Pop3Connection(session);
    const number = ++this.connections;
    // Transcript lines are collected as they happen (with their time) but
    // sent to the page at most every TRANSCRIPT_INTERVAL_MS: one message per
    // WebSocket frame kept the page busy re-rendering during downloads.
    let lines: Extract<Notice, { type: 'transcript' }>['entries'] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    conn.onTranscript = () => {
      const now = Date.now();
      for (const e of conn.takeTranscript()) lines.push({ ...e, time: now, session: number });
      if (lines.length > MAX_TRANSCRIPT_BACKLOG) lines = lines.slice(-MAX_TRANSCRIPT_BACKLOG);
      if (!timer && lines.length) {
        timer = setTimeout(() => {
          timer = null;
          const out = lines;
          lines = [];
          if (out.length) this.post({ type: 'transcript', entries: out });
        }, TRANSCRIPT_INTERVAL_MS);
      }
    };
    let connecting = true;
    conn.onClose = (info) => {
      if (info?.kind === 'stalled' && conn.pipelining) this.noPipelining = true;
      if (this.conn === conn && !connecting) {
        this.conn = null;
        this.stopKeepalive();
        this.onServer.clear();
        this.userMarked.clear();
        this.policyMarked.clear();
        this.phase('closed');
        if (info) {
          void this.keptCount().then((kept) => this.post({ type: 'error', error: { ...info, kept } }));
        }
      }
      conn.dispose();
    };
    this.conn = conn;
    const base = s.proxy.replace(/\/+$/, '').replace(/^http/, 'ws');
    const url = `${base}/pop3/${encodeURIComponent(s.target)}`;
    try {
      // TLS to the mail server is done by the proxy; the codec refuses to
      // send a secret over a clear-text leg that leaves the machine.
      const target = await fetchTargetLink(s.proxy, s.target);
      const link = linkSecurity(s.proxy, target);
      this.post({ type: 'link', serverLegEncrypted: serverLegEncrypted(target) });
      await conn.open(url, link.encrypted, link.loopback);
      this.phase('authenticating');
      // CAPA first (RFC 2449 §5) so "auto" can pick the strongest mechanism
      // offered; servers without CAPA answer -ERR, which is fine.
      await conn.capa().catch(() => undefined);
      const r = await conn.login({
        method: s.auth,
        user: s.user,
        secret: s.secret,
        secretIsToken: s.secretIsToken,
        clientNonce: randomNonce(),
        allowInsecure: s.allowClearText === true,
      });
      if (!r.ok) throw new Failure(loginError(r));
    } catch (e) {
      let info = e instanceof Failure ? e.info : (e as WorkerError);
      // Hanging up instead of answering the login (AOL on a wrong password).
      if (info.kind === 'connection-lost' && this.phaseNow === 'authenticating') info = { ...info, kind: 'closed-at-login' };
      if (this.conn === conn) this.conn = null;
      conn.dispose();
      this.phase('closed');
      throw new Failure(info);
    } finally {
      connecting = false;
    }
    this.startKeepalive();
  }

  private startKeepalive(): void {
    this.stopKeepalive();
    this.keepalive = setInterval(() => {
      this.conn?.noop().catch(() => undefined);
    }, KEEPALIVE_MS);
  }

  private stopKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
  }

  private requireConn(): Pop3Connection {
    if (!this.conn || this.conn.closed) throw new Failure({ kind: 'not-connected', detail: '' });
    return this.conn;
  }

  /** Lists the mailbox; only UIDLs not stored yet cost a TOP. */
  async sync(): Promise<number> {
    const conn = this.requireConn();
    const accountId = this.accountId as string;
    const fallback = this.signIn?.fallbackCharset ?? 'windows-1252';
    this.listing = true;
    try {
      return await this.listAndSync(conn, accountId, fallback);
    } finally {
      this.listing = false;
    }
  }

  private async listAndSync(conn: Pop3Connection, accountId: string, fallback: string): Promise<number> {
    this.phase('listing');
    const [uidl, list] = await Promise.all([conn.uidl(), conn.list()]);
    if (!uidl.ok) throw new Failure({ kind: 'protocol', detail: `UIDL: ${uidl.text}` });
    const sizes = new Map<number, number>();
    for (const it of list.items) sizes.set(it.message, it.octets ?? 0);
    this.onServer.clear();
    for (const it of uidl.items) {
      if (it.uid !== undefined) this.onServer.set(it.uid, { n: it.message, size: sizes.get(it.message) ?? 0 });
    }
    const storedList = await this.store.summaries(accountId);
    // Marks from an earlier session that ended without QUIT were never
    // committed (RFC 1939 §6): the server still has those messages.
    const stale = storedList.filter((s) => s.markedForDeletion);
    for (const s of stale) s.markedForDeletion = false;
    if (stale.length) await this.store.putSummaries(stale);
    const stored = new Map(storedList.map((s) => [s.uid, s]));
    // Summaries of messages gone from the server are dropped, unless the
    // message itself is stored: then it stays readable offline.
    const gone = [...stored.values()].filter((s) => !this.onServer.has(s.uid) && !s.downloaded).map((s) => s.uid);
    if (gone.length) await this.store.removeMessages(accountId, gone);

    const fresh = [...this.onServer.entries()].filter(([uid]) => !stored.has(uid));
    // Highest message number first: servers number oldest to newest, so the
    // newest appear first while the list loads.
    fresh.sort((a, b) => b[1].n - a[1].n);
    this.post({ type: 'summaries', accountId, summaries: [...stored.values()], removed: gone });
    const total = fresh.length;
    let done = 0;
    let batch: Summary[] = [];
    const now = Date.now();
    const flushBatch = async () => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      await this.store.putSummaries(b);
      this.post({ type: 'summaries', accountId, summaries: b, removed: [] });
    };
    this.post({ type: 'progress', what: 'list', done, total });
    // At most TOP_WINDOW TOPs wait in the codec's queue at a time, so a
    // message opened while a big list loads is fetched after those, not
    // after all of them (replies come strictly in order, RFC 1939 §3).
    let next = 0;
    const lane = async () => {
      while (next < fresh.length) {
        const [uid, { n, size }] = fresh[next++] as [string, { n: number; size: number }];
        const r = await conn.top(n, 0, size);
        const base = { accountId, uid, size, firstSeen: now };
        const s: Summary = r.ok
          ? await summarize(r.bytes, base, fallback)
          : { ...base, fromName: '', fromAddress: '', subject: '', date: 0, attachmentHint: false, downloaded: false, markedForDeletion: false };
        batch.push(s);
        done++;
        if (batch.length >= SUMMARY_BATCH) await flushBatch();
        if (done % 50 === 0 || done === total) this.post({ type: 'progress', what: 'list', done, total });
      }
    };
    await Promise.all(Array.from({ length: Math.min(TOP_WINDOW, fresh.length) }, lane));
    await flushBatch();
    const acct = await this.store.getAccount(accountId);
    if (acct) await this.store.putAccount({ ...acct, lastSync: Date.now() });
    this.listing = false;
    this.phase('ready');
    await this.applyPolicy();
    return this.onServer.size;
  }

  /**
   * Server-side deletes the account's policy asks for. A message is DELEd
   * only once its bytes are committed to IndexedDB.
   */
  private async applyPolicy(): Promise<void> {
    const policy = this.signIn?.policy ?? { kind: 'leave' };
    const conn = this.conn;
    if (!conn || policy.kind === 'leave' || !this.accountId) return;
    const accountId = this.accountId;
    if (policy.kind === 'after-download') {
      // One request for every stored key (one per message cost a round trip
      // to IndexedDB each, 2,000 in a row before the download could start).
      const stored = await this.store.rawUids(accountId);
      await this.downloadAll([...this.onServer.keys()].filter((uid) => !stored.has(uid)));
    }
    await this.store.makeDurable(accountId);
    // Read after the durable write: only bytes committed before it count.
    const stored = await this.store.rawUids(accountId);
    const now = Date.now();
    const due: { uid: string; n: number }[] = [];
    for (const s of await this.store.summaries(accountId)) {
      const m = this.onServer.get(s.uid);
      if (!m || this.policyMarked.has(s.uid) || this.userMarked.has(s.uid)) continue;
      // `downloaded` is set in the same IndexedDB transaction that stored
      // the bytes; check the bytes themselves too before deleting.
      if (!dueForDeletion(s, policy, now) || !stored.has(s.uid)) continue;
      due.push({ uid: s.uid, n: m.n });
    }
    // Queued together so the codec pipelines them (RFC 2449 §6.6).
    await Promise.all(
      due.map(async ({ uid, n }) => {
        const r = await conn.dele(n);
        if (r.ok) this.policyMarked.add(uid);
      }),
    );
  }

  /**
   * RETRs many messages, DOWNLOAD_WINDOW at a time so the codec can pipeline
   * them while memory stays bounded, committing each to IndexedDB as it ends.
   */
  private async downloadAll(uids: string[]): Promise<void> {
    if (!uids.length) return;
    const conn = this.requireConn();
    const accountId = this.accountId as string;
    const total = uids.length;
    let next = 0;
    let done = 0;
    // Finished messages wait here and are committed in batches by one
    // writer chain; lanes pause while too much is waiting (bounded memory).
    let pending: { uid: string; bytes: Uint8Array }[] = [];
    let pendingBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    const notices = new NoticeCoalescer(accountId, this.post);
    // One write waits in the chain at most: it takes everything pending
    // when it starts, so queuing more would only make small batches.
    let queued = false;
    const commit = (): Promise<void> => {
      if (queued) return writing;
      queued = true;
      writing = writing.then(async () => {
        queued = false;
        const batch = pending;
        pending = [];
        pendingBytes = 0;
        if (!batch.length) return;
        const updated = await this.store.putRawMany(accountId, batch);
        done += batch.length;
        notices.add(updated, { type: 'progress', what: 'message', done, total });
      });
      return writing;
    };
    this.phase('downloading');
    const lane = async () => {
      while (next < uids.length) {
        const uid = uids[next++] as string;
        const m = this.onServer.get(uid);
        if (!m) continue;
        const r = await conn.retr(m.n, undefined, m.size);
        if (!r.ok) continue;
        pending.push({ uid, bytes: r.bytes });
        pendingBytes += r.bytes.length;
        if (pendingBytes >= WRITE_BATCH_BYTES) void commit();
        else if (pending.length === 1) setTimeout(() => void commit(), WRITE_DELAY_MS);
        // Lanes wait for the writer only when much is waiting: waiting
        // empties the pipeline, so it must be the exception.
        if (pendingBytes >= DOWNLOAD_BACKLOG_BYTES) await commit();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(DOWNLOAD_WINDOW, uids.length) }, lane));
      await commit();
    } catch (e) {
      await commit().catch(() => undefined);
      if (e instanceof Failure) throw e;
      throw new Failure({ ...(e as WorkerError), kept: await this.keptCount() });
    } finally {
      notices.flush();
      if (this.conn) this.phase(this.listing ? 'listing' : 'ready');
    }
  }

  /** RETRs one message and commits it to IndexedDB. */
  private async download(uid: string): Promise<Uint8Array> {
    const conn = this.requireConn();
    const m = this.onServer.get(uid);
    if (!m) throw new Failure({ kind: 'not-stored', detail: uid });
    this.phase('downloading');
    try {
      const r = await conn.retr(
        m.n,
        (received) => this.post({ type: 'progress', what: 'message', uid, done: received, total: Math.max(m.size, received) }),
        m.size,
      );
      if (!r.ok) throw new Failure({ kind: 'server-trouble', detail: r.text });
      const accountId = this.accountId as string;
      await this.store.putRaw(accountId, uid, r.bytes);
      this.post({ type: 'progress', what: 'message', uid, done: r.bytes.length, total: r.bytes.length });
      const s = await this.store.getSummary(accountId, uid);
      if (s) this.post({ type: 'summaries', accountId, summaries: [s], removed: [] });
      return r.bytes;
    } catch (e) {
      if (e instanceof Failure) throw e;
      const info = e as WorkerError;
      throw new Failure({ ...info, kept: await this.keptCount() });
    } finally {
      if (this.conn) this.phase(this.listing ? 'listing' : 'ready');
    }
  }

  async open(accountId: string, uid: string, fallbackCharset: string): Promise<ParsedMessage> {
    let raw = await this.store.getRaw(accountId, uid);
    if (!raw) {
      if (accountId !== this.accountId || !this.conn) throw new Failure({ kind: 'not-stored', detail: '' });
      raw = await this.download(uid);
    }
    return parseMessage(raw, { accountId, uid }, fallbackCharset);
  }

  async raw(accountId: string, uid: string): Promise<ArrayBuffer> {
    const raw = await this.store.getRaw(accountId, uid);
    if (!raw) throw new Failure({ kind: 'not-stored', detail: '' });
    return raw.buffer as ArrayBuffer;
  }

  async listOffline(a: AccountRef): Promise<ResultOf['list-offline']> {
    const accountId = accountIdOf(a);
    return { accountId, summaries: await this.store.summaries(accountId) };
  }

  private async setMarked(uids: string[], marked: boolean): Promise<void> {
    if (!this.accountId) return;
    const changed: Summary[] = [];
    for (const uid of uids) {
      const s = await this.store.getSummary(this.accountId, uid);
      if (s) changed.push({ ...s, markedForDeletion: marked });
    }
    await this.store.putSummaries(changed);
    this.post({ type: 'summaries', accountId: this.accountId, summaries: changed, removed: [] });
  }

  async markDelete(accountId: string, uids: string[]): Promise<ResultOf['mark-delete']> {
    const conn = this.requireConn();
    if (accountId !== this.accountId) throw new Failure({ kind: 'not-connected', detail: '' });
    const marked: string[] = [];
    await Promise.all(
      uids.map(async (uid) => {
        const m = this.onServer.get(uid);
        if (!m || this.userMarked.has(uid)) return;
        if (this.policyMarked.has(uid)) {
          this.userMarked.add(uid);
          marked.push(uid);
          return;
        }
        const r = await conn.dele(m.n);
        if (r.ok) {
          this.userMarked.add(uid);
          marked.push(uid);
        }
      }),
    );
    await this.setMarked(marked, true);
    return { marked };
  }

  /** RSET (RFC 1939 §5) unmarks everything; policy deletes are then re-applied. */
  async undoDelete(): Promise<ResultOf['undo-delete']> {
    const conn = this.requireConn();
    const r = await conn.rset();
    if (!r.ok) throw new Failure({ kind: 'server-trouble', detail: r.text });
    const restored = [...this.userMarked];
    this.userMarked.clear();
    this.policyMarked.clear();
    await this.setMarked(restored, false);
    await this.applyPolicy();
    return { restored };
  }

  /**
   * QUIT: the server enters the UPDATE state and removes the DELEd messages
   * (RFC 1939 §6). Then we sign in again so the mailbox stays live.
   */
  async commit(): Promise<ResultOf['commit']> {
    const conn = this.requireConn();
    const deleted = [...this.userMarked];
    // Servers with LOGIN-DELAY (RFC 2449 §6.8; Gmail says 300 s) would refuse
    // signing in again right away: stay signed out there.
    const loginDelay = conn.capabilities.loginDelay ?? 0;
    this.stopKeepalive();
    this.phase('committing');
    const r = await conn.quit();
    if (!r.ok) throw new Failure({ kind: 'server-trouble', detail: r.text });
    if (this.accountId && deleted.length) {
      await this.store.removeMessages(this.accountId, deleted);
      this.post({ type: 'summaries', accountId: this.accountId, summaries: [], removed: deleted });
    }
    this.userMarked.clear();
    this.policyMarked.clear();
    if (this.conn === conn) this.conn = null;
    conn.dispose();
    if (loginDelay > 0) this.phase('closed');
    else await this.refresh();
    return { deleted };
  }

  async refresh(): Promise<ResultOf['refresh']> {
    if (!this.conn || this.conn.closed) await this.connect();
    return { count: await this.sync() };
  }

  /** Decodes undeclared 8-bit headers again with another charset. */
  async setCharset(accountId: string | null, fallbackCharset: string): Promise<ResultOf['set-charset']> {
    if (this.signIn) this.signIn = { ...this.signIn, fallbackCharset };
    if (!accountId) return { updated: 0 };
    const redo = (await this.store.summaries(accountId)).filter((s) => s.header8bit);
    const updated: Summary[] = [];
    for (const s of redo) {
      const fresh = await summarize(new Uint8Array(s.header8bit as ArrayBuffer), s, fallbackCharset);
      updated.push({ ...fresh, downloaded: s.downloaded, markedForDeletion: s.markedForDeletion });
    }
    if (updated.length) {
      await this.store.putSummaries(updated);
      this.post({ type: 'summaries', accountId, summaries: updated, removed: [] });
    }
    return { updated: updated.length };
  }

  async setPolicy(accountId: string, policy: DeletePolicy): Promise<void> {
    const a = await this.store.getAccount(accountId);
    if (a) await this.store.putAccount({ ...a, policy });
    if (this.signIn && accountId === this.accountId) this.signIn = { ...this.signIn, policy };
  }

  /** Ends the session without committing deletes. */
  disconnect(): void {
    this.stopKeepalive();
    const c = this.conn;
    this.conn = null;
    if (c) c.dispose();
    this.onServer.clear();
    this.userMarked.clear();
    this.policyMarked.clear();
  }

  /**
   * Ends the session with QUIT, which commits every DELE of this session
   * (RFC 1939 §6), then forgets the credentials.
   */
  async signOut(): Promise<void> {
    const conn = this.conn;
    this.stopKeepalive();
    if (conn && !conn.closed) {
      try {
        // The expunge of marked messages comes before QUIT's reply (RFC 1939 §6).
        if (this.userMarked.size || this.policyMarked.size) this.phase('committing');
        await conn.quit();
        if (this.accountId && this.userMarked.size) await this.store.removeMessages(this.accountId, [...this.userMarked]);
      } catch {
        // The connection is gone: nothing was committed, nothing to undo.
      }
    }
    this.disconnect();
    this.signIn = null;
    this.phase('idle');
  }
}
