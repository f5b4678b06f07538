// "No message lost" for the browser's "delete from the server after
// download" (issue 6). The page signs in through pop3ws-proxy to a private
// Dovecot behind the harness's seeded FaultRelay (cuts in either direction,
// resets, stalls, at random byte offsets up to 300 KB), and at random moments
// the test also reloads the page, closes the browser (a persistent profile, so
// IndexedDB outlives it, as a user's does) or kills Chromium with SIGKILL.
//
// After every run, with the server read first and the page's IndexedDB second
// (storing only ever adds, so a session still finishing cannot make a stored
// message look lost): each delivered message is still a file in Dovecot's
// Maildir or stored complete and byte-identical in IndexedDB's `raw` store,
// never neither; no message is stored twice (by content or by UIDL); every
// summary flagged `downloaded` has its bytes. A cycle ends when the server is
// empty, and then IndexedDB holds exactly the messages delivered so far; the
// next cycle refills the server (fault_server.py, Dovecot + FaultRelay).
//
// Bounded: POP3WS_WEB_FAULT_SECONDS (default 120) and POP3WS_WEB_FAULT_RUNS
// (default 400 runs), whichever ends first; POP3WS_FAULT_SEED repeats a run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startDriven, startProxy, WEB, type Dovecot, type Proc } from './support';

const BUDGET_MS = Number(process.env.POP3WS_WEB_FAULT_SECONDS ?? '120') * 1000;
const MAX_RUNS = Number(process.env.POP3WS_WEB_FAULT_RUNS ?? '400');
const SEED = Number(process.env.POP3WS_FAULT_SEED ?? '20261126');
const PER_CYCLE = 6;
// A cycle under way when the budget ends goes on until this (then every run
// of it is still checked, but not its end state).
const HARD_LIMIT_MS = BUDGET_MS * 1.5 + 30_000;
// The app's schema (src/worker/store.ts): database, store and record shape.
const DB_NAME = 'pop3ws-mail';
const ACCOUNT = { target: 'slow', user: 'alice', secret: 'alice-pass' };

let server: Proc;
let ask: (cmd: object) => Promise<Record<string, unknown>>;
let proxy: { proc: Proc; url: string; port: number };
let profile: string;

interface ServerState {
  server: string[]; // SHA-256 of each message file in Dovecot's Maildir
  delivered: [string, string][]; // per message put on the server: [file SHA-256, SHA-256 after RETR]
  faults: Record<string, number>;
  connections: number;
}

// A small seeded generator (mulberry32) so a failing run can be repeated;
// node's crypto has no seedable generator.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  const d = await startDriven<Dovecot & { relay_port: number }>(join(WEB, 'tests', 'browser', 'fault_server.py'), {
    POP3WS_FAULT_SEED: String(SEED),
  });
  server = d.proc;
  ask = d.ask;
  // The proxy's target "slow" is the fault relay in front of Dovecot's TLS port.
  proxy = await startProxy({ ...d.info, proc: server }, undefined, d.info.relay_port);
  profile = mkdtempSync(join(tmpdir(), 'pop3ws-web-faults-profile-'));
});

after(async () => {
  await proxy?.proc.stop();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * Chromium with a profile directory kept across launches (support.ts's
 * newContext is an incognito context whose storage dies with it). Flags as
 * in support.ts's launchBrowser.
 */
async function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
  });
}

/** The Chromium browser process this test started (a child of node). */
function chromiumPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
      if (Number(ppid) === process.pid && /chrom/i.test(comm)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

interface Stored {
  uid: string;
  sha: string;
  size: number;
  byteLength: number;
}

/** Every raw message in IndexedDB, hashed in the page, and the UIDs flagged downloaded. */
async function readStore(page: Page): Promise<{ raw: Stored[]; downloaded: string[] }> {
  // /healthz is the same origin as the app but runs none of it (the service
  // worker leaves it alone), so no session starts while the store is read.
  await page.goto(proxy.url + '/healthz');
  return page.evaluate(async (dbName) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(dbName);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    // A profile where the app never opened the database gets an empty one.
    if (!db.objectStoreNames.contains('raw')) {
      db.close();
      return { raw: [], downloaded: [] };
    }
    const tx = db.transaction(['raw', 'summaries'], 'readonly');
    const getAll = <T,>(store: string) =>
      new Promise<T[]>((res, rej) => {
        const r = tx.objectStore(store).getAll();
        r.onsuccess = () => res(r.result as T[]);
        r.onerror = () => rej(r.error);
      });
    const raws = await getAll<{ accountId: string; uid: string; bytes: ArrayBuffer; size: number }>('raw');
    const sums = await getAll<{ uid: string; downloaded: boolean }>('summaries');
    db.close();
    const raw = [];
    for (const rec of raws) {
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', rec.bytes));
      raw.push({
        uid: `${rec.accountId}\u0000${rec.uid}`,
        sha: [...h].map((b) => b.toString(16).padStart(2, '0')).join(''),
        size: rec.size,
        byteLength: rec.bytes.byteLength,
      });
    }
    return { raw, downloaded: sums.filter((s) => s.downloaded).map((s) => s.uid) };
  }, DB_NAME);
}

/** The invariant. Returns the number of messages checked and how many are on the server. */
async function check(page: Page, context: string): Promise<{ messages: number; onServer: number; stored: Stored[] }> {
  const st = (await ask({ cmd: 'state' })) as unknown as ServerState; // the server first
  const { raw, downloaded } = await readStore(page);
  const known = new Set(st.delivered.map(([, v]) => v));
  for (const r of raw) {
    assert.equal(r.byteLength, r.size, `${context}: a stored message's size field disagrees with its bytes`);
    assert.ok(known.has(r.sha), `${context}: IndexedDB holds ${r.byteLength} bytes that match no message (partial or corrupt)`);
  }
  const uids = raw.map((r) => r.uid);
  assert.equal(new Set(uids).size, uids.length, `${context}: a UIDL is stored twice`);
  const rawUids = new Set(raw.map((r) => r.uid.split('\u0000')[1]));
  for (const u of downloaded) assert.ok(rawUids.has(u), `${context}: a summary says downloaded but its bytes are not stored`);
  for (const [file, view] of st.delivered) {
    const copies = raw.filter((r) => r.sha === view).length;
    assert.ok(copies <= 1, `${context}: a message is stored ${copies} times: DUPLICATE`);
    assert.ok(st.server.includes(file) || copies === 1, `${context}: a message is neither on the server nor stored: LOST`);
  }
  return { messages: st.delivered.length, onServer: st.server.length, stored: raw };
}

test('delete after download loses and duplicates nothing under relay faults, reloads, browser closes and kills', async () => {
  const random = rng(SEED);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  let ctx = await launch();
  let page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('dialog', (d) => void d.dismiss());
  const counts = { runs: 0, cycles: 0, completed: 0, checks: 0, reloads: 0, closes: 0, kills: 0, signOuts: 0 };
  const started = Date.now();

  // The saved account with its password and the policy, as the sign-in form
  // and Settings store them (src/app/App.tsx), so that the load signs in by
  // itself. Written before every run: signing out forgets the password.
  const remember = async () => {
    await page.goto(proxy.url + '/healthz');
    await page.evaluate(
      ({ url, a }) => {
        localStorage.setItem('pop3ws.account', JSON.stringify({ proxy: url, target: a.target, user: a.user, secretIsToken: false, auth: 'auto' }));
        localStorage.setItem('pop3ws.secret', a.secret);
        localStorage.setItem('pop3ws.policy', JSON.stringify({ kind: 'after-download' }));
      },
      { url: proxy.url, a: ACCOUNT },
    );
  };

  /** Waits until the session is connected or has ended (or 20 s pass). */
  const settle = async (): Promise<string> => {
    const begun = Date.now();
    while (Date.now() - begun < 20_000) {
      const status = (await page.getByRole('status').first().textContent({ timeout: 1000 }).catch(() => '')) ?? '';
      if (/· (Connected|Offline)$/.test(status)) return status.replace(/^.*· /, '');
      // The page shows "Not connected" for a moment before it signs in.
      if (/· Not connected$/.test(status) && Date.now() - begun > 3000) return 'Not connected';
      if (await page.getByRole('alert').first().isVisible().catch(() => false)) return 'alert';
      await page.waitForTimeout(200);
    }
    return 'timeout';
  };
  const settled: Record<string, number> = {};

  const relaunch = async () => {
    ctx = await launch();
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('dialog', (d) => void d.dismiss());
  };

  try {
    while (Date.now() - started < BUDGET_MS && counts.runs < MAX_RUNS) {
      counts.cycles++;
      await ask({ cmd: 'add', count: PER_CYCLE });
      for (let attempt = 1; Date.now() - started < HARD_LIMIT_MS; attempt++) {
        assert.ok(attempt <= 60, `cycle ${counts.cycles}: the mailbox never emptied in 60 runs`);
        counts.runs++;
        await remember();
        await page.goto(proxy.url + '/');
        const roll = random();
        if (roll < 0.2) {
          // Reload at a random moment: mid-login, mid-download or mid-commit.
          await page.waitForTimeout(between(0, 2500));
          await page.reload().catch(() => undefined);
          await page.waitForTimeout(between(0, 1500));
          counts.reloads++;
        } else if (roll < 0.35) {
          // The user closes the browser; the profile (and IndexedDB) stays.
          await page.waitForTimeout(between(0, 2500));
          await ctx.close();
          counts.closes++;
          await relaunch();
        } else if (roll < 0.45) {
          // Chromium dies (SIGKILL): no unload, no clean shutdown.
          await page.waitForTimeout(between(0, 2500));
          const pids = chromiumPids();
          assert.ok(pids.length > 0, 'the Chromium process was not found under this test');
          for (const pid of pids) process.kill(pid, 'SIGKILL');
          await ctx.close().catch(() => undefined);
          counts.kills++;
          await relaunch();
        } else {
          // Let the session settle (connected, or failed), then sign out:
          // QUIT commits the DELEs of the messages already stored.
          const how = await settle();
          settled[how] = (settled[how] ?? 0) + 1;
          if (how === 'Connected') await page.waitForTimeout(between(300, 1800));
          const signOut = page.getByRole('button', { name: 'Sign out' });
          if (await signOut.isVisible().catch(() => false)) {
            await signOut.click().catch(() => undefined);
            await page.getByRole('heading', { name: 'Sign in to your POP3 mailbox' }).waitFor({ timeout: 20_000 }).catch(() => undefined);
            counts.signOuts++;
          }
        }
        const r = await check(page, `cycle ${counts.cycles} run ${counts.runs}`);
        counts.checks += r.messages;
        if (r.onServer === 0) {
          // The cycle is over: every message delivered so far is stored exactly once.
          const st = (await ask({ cmd: 'state' })) as unknown as ServerState;
          assert.deepEqual(
            r.stored.map((s) => s.sha).sort(),
            st.delivered.map(([, v]) => v).sort(),
            `cycle ${counts.cycles}: IndexedDB does not hold exactly the messages delivered`,
          );
          counts.completed++;
          break;
        }
      }
    }
  } finally {
    await ctx.close().catch(() => undefined);
  }
  const st = (await ask({ cmd: 'state' })) as unknown as ServerState;
  const faults = Object.values(st.faults).reduce((a, b) => a + b, 0);
  console.log(
    `web no-message-lost: ${counts.runs} runs in ${counts.cycles} cycles (${counts.completed} emptied the server, ${st.delivered.length} messages), ` +
      `${st.connections} relay connections, ${faults} faults injected (${JSON.stringify(st.faults)}), ` +
      `${counts.reloads} reloads, ${counts.closes} browser closes, ${counts.kills} Chromium kills, ` +
      `${counts.signOuts} sign-outs (sessions settled: ${JSON.stringify(settled)}), ${counts.checks} message checks, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s`,
  );
  assert.ok(counts.runs >= 10, 'too few runs to mean anything');
  assert.ok(counts.completed >= 2, 'fewer than two cycles emptied the server: the refill was never tested');
  assert.ok(faults >= counts.runs / 4, 'the relay injected too few faults');
});
