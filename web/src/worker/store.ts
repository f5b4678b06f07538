// The offline mailbox in IndexedDB (through `idb`).
//
// Stores:
//  - accounts:  one record per account (proxy, target, user, delete policy).
//  - summaries: one per [accountId, uid]. This is also the account's UIDL
//               state: a UIDL already here needs no TOP on the next refresh
//               (RFC 1939 §7: unique-ids persist across sessions).
//  - raw:       the exact message bytes per [accountId, uid], as a Blob.
// A raw message is written in its own transaction and the summary is flagged
// `downloaded` in the same one, so "downloaded" always means "committed".
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DeletePolicy, StorageInfo, Summary } from '../protocol/messages';

export interface AccountRecord {
  id: string;
  proxy: string;
  target: string;
  user: string;
  policy: DeletePolicy;
  lastSync: number;
}

export interface RawRecord {
  accountId: string;
  uid: string;
  /**
   * An ArrayBuffer, not a Blob: Chromium writes every Blob in IndexedDB to
   * its own file, which made storing 2,000 small messages several times
   * slower than the download itself.
   */
  bytes: ArrayBuffer;
  size: number;
  storedAt: number;
}

interface MailDB extends DBSchema {
  accounts: { key: string; value: AccountRecord };
  summaries: {
    key: [string, string];
    value: Summary;
    indexes: { byAccount: string };
  };
  raw: {
    key: [string, string];
    value: RawRecord;
    indexes: { byAccount: string };
  };
}

export const DB_NAME = 'pop3ws-mail';

/**
 * The bytes as an ArrayBuffer of their own. Bodies from the connection
 * already are (copied once out of WASM memory), so they are stored without
 * another copy; a view into a larger buffer is copied.
 */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

export class MailStore {
  private constructor(private readonly db: IDBPDatabase<MailDB>) {}

  static async open(name = DB_NAME): Promise<MailStore> {
    const db = await openDB<MailDB>(name, 1, {
      upgrade(db) {
        db.createObjectStore('accounts', { keyPath: 'id' });
        const s = db.createObjectStore('summaries', { keyPath: ['accountId', 'uid'] });
        s.createIndex('byAccount', 'accountId');
        const r = db.createObjectStore('raw', { keyPath: ['accountId', 'uid'] });
        r.createIndex('byAccount', 'accountId');
      },
    });
    return new MailStore(db);
  }

  close(): void {
    this.db.close();
  }

  async putAccount(a: AccountRecord): Promise<void> {
    await this.db.put('accounts', a);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    return this.db.get('accounts', id);
  }

  async summaries(accountId: string): Promise<Summary[]> {
    return this.db.getAllFromIndex('summaries', 'byAccount', accountId);
  }

  async getSummary(accountId: string, uid: string): Promise<Summary | undefined> {
    return this.db.get('summaries', [accountId, uid]);
  }

  async putSummaries(list: Summary[]): Promise<void> {
    const tx = this.db.transaction('summaries', 'readwrite');
    await Promise.all([...list.map((s) => tx.store.put(s)), tx.done]);
  }

  /** Stores the raw bytes and flags the summary, atomically. */
  async putRaw(accountId: string, uid: string, bytes: Uint8Array): Promise<void> {
    const tx = this.db.transaction(['raw', 'summaries'], 'readwrite', { durability: 'relaxed' });
    const copy = bytes.slice().buffer as ArrayBuffer;
    await tx.objectStore('raw').put({ accountId, uid, bytes: copy, size: bytes.length, storedAt: Date.now() });
    const s = await tx.objectStore('summaries').get([accountId, uid]);
    if (s) await tx.objectStore('summaries').put({ ...s, downloaded: true });
    await tx.done;
  }

  /**
   * Message writes use relaxed durability (fast: no flush per message). This
   * strict write forces the log to disk, so everything stored before it
   * survives a crash; call it before deleting anything from the server.
   */
  async makeDurable(accountId: string): Promise<void> {
    const tx = this.db.transaction('accounts', 'readwrite', { durability: 'strict' });
    const a = await tx.store.get(accountId);
    if (a) await tx.store.put(a);
    await tx.done;
  }

  /**
   * Stores many messages in one transaction and returns their updated
   * summaries. IndexedDB runs read-write transactions on the same stores one
   * after another, so one per message made storing the bottleneck of a bulk
   * download.
   */
  async putRawMany(accountId: string, items: { uid: string; bytes: Uint8Array }[]): Promise<Summary[]> {
    const tx = this.db.transaction(['raw', 'summaries'], 'readwrite', { durability: 'relaxed' });
    const raw = tx.objectStore('raw');
    const sums = tx.objectStore('summaries');
    const now = Date.now();
    const updated: Summary[] = [];
    // Requests are queued without waiting for each other: a transaction runs
    // them in order anyway, and awaiting each get cost a turn of the event loop.
    const flagged = items.map(async ({ uid, bytes }) => {
      void raw.put({ accountId, uid, bytes: ownBuffer(bytes), size: bytes.length, storedAt: now });
      const s = await sums.get([accountId, uid]);
      if (s) {
        const d = { ...s, downloaded: true };
        void sums.put(d);
        updated.push(d);
      }
    });
    await Promise.all([...flagged, tx.done]);
    return updated;
  }

  /** The uids of every stored message of the account, in one request. */
  async rawUids(accountId: string): Promise<Set<string>> {
    const keys = await this.db.getAllKeysFromIndex('raw', 'byAccount', accountId);
    return new Set(keys.map((k) => k[1]));
  }

  async getRaw(accountId: string, uid: string): Promise<Uint8Array | null> {
    const r = await this.db.get('raw', [accountId, uid]);
    if (!r) return null;
    return new Uint8Array(r.bytes);
  }

  /** Forgets messages the server no longer has (or that we deleted). */
  async removeMessages(accountId: string, uids: string[]): Promise<void> {
    const tx = this.db.transaction(['raw', 'summaries'], 'readwrite');
    for (const uid of uids) {
      void tx.objectStore('raw').delete([accountId, uid]);
      void tx.objectStore('summaries').delete([accountId, uid]);
    }
    await tx.done;
  }

  /** Drops stored bodies (summaries stay) or everything, for one account or all. */
  async free(accountId: string | null, what: 'bodies' | 'everything'): Promise<void> {
    const stores = what === 'bodies' ? (['raw', 'summaries'] as const) : (['raw', 'summaries', 'accounts'] as const);
    const tx = this.db.transaction([...stores], 'readwrite');
    const raw = tx.objectStore('raw');
    const sums = tx.objectStore('summaries');
    const rawKeys = accountId ? await raw.index('byAccount').getAllKeys(accountId) : await raw.getAllKeys();
    for (const k of rawKeys) void raw.delete(k);
    if (what === 'bodies') {
      let cur = accountId ? await sums.index('byAccount').openCursor(accountId) : await sums.openCursor();
      while (cur) {
        if (cur.value.downloaded) await cur.update({ ...cur.value, downloaded: false });
        cur = await cur.continue();
      }
    } else {
      const sumKeys = accountId ? await sums.index('byAccount').getAllKeys(accountId) : await sums.getAllKeys();
      for (const k of sumKeys) void sums.delete(k);
      const accounts = tx.objectStore('accounts');
      if (accountId) void accounts.delete(accountId);
      else void accounts.clear();
    }
    await tx.done;
  }

  async storageInfo(): Promise<StorageInfo> {
    let rawBytes = 0;
    let downloaded = 0;
    let cur = await this.db.transaction('raw').store.openCursor();
    while (cur) {
      rawBytes += cur.value.size;
      downloaded++;
      cur = await cur.continue();
    }
    const messages = await this.db.count('summaries');
    let usage: number | null = null;
    let quota: number | null = null;
    if (typeof navigator !== 'undefined' && navigator.storage?.estimate) {
      const e = await navigator.storage.estimate();
      usage = e.usage ?? null;
      quota = e.quota ?? null;
    }
    return { usage, quota, rawBytes, messages, downloaded };
  }
}
