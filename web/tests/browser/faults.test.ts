// "No message lost" for the browser's "delete after download" (issue 6):
// the page signs in through pop3ws-proxy to a private Dovecot behind the
// harness's seeded fault relay (cuts, resets and stalls at random byte
// offsets), and is also reloaded at random moments. After every run each
// delivered message is still on the server or stored complete and
// byte-identical in IndexedDB, never neither, never twice. Runs for
// POP3WS_WEB_FAULT_SECONDS (default 120) and prints runs/faults/messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, startDriven, startProxy, WEB, type Dovecot, type Proc } from './support';

const BUDGET_MS = Number(process.env.POP3WS_WEB_FAULT_SECONDS ?? '120') * 1000;
const SEED = Number(process.env.POP3WS_FAULT_SEED ?? '20261126');

let server: Proc;
let ask: (cmd: object) => Promise<Record<string, unknown>>;
let proxy: { proc: Proc; url: string; port: number };
let browser: Browser;

// A small seeded generator (mulberry32) so a failing run can be repeated.
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
  const info = d.info;
  // Target "slow" of the proxy is the relay in front of Dovecot's TLS port.
  proxy = await startProxy({ ...info, proc: server }, undefined, info.relay_port);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await server?.stop();
});

/** SHA-256 of every raw message the page committed to IndexedDB. */
async function storedHashes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('pop3ws-mail');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = await new Promise<{ bytes: ArrayBuffer }[]>((res, rej) => {
      const r = db.transaction('raw').objectStore('raw').getAll();
      r.onsuccess = () => res(r.result as { bytes: ArrayBuffer }[]);
      r.onerror = () => rej(r.error);
    });
    db.close();
    const out: string[] = [];
    for (const rec of all) {
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', rec.bytes));
      out.push([...h].map((b) => b.toString(16).padStart(2, '0')).join(''));
    }
    return out;
  });
}

async function check(page: Page, context: string): Promise<{ messages: number; onServer: number }> {
  const st = (await ask({ cmd: 'state' })) as { server: string[]; delivered: [string, string][] };
  const stored = await storedHashes(page);
  const known = new Set(st.delivered.map(([, v]) => v));
  for (const h of stored) assert.ok(known.has(h), `${context}: IndexedDB holds bytes that match no message (partial or corrupt)`);
  for (const [orig, view] of st.delivered) {
    const copies = stored.filter((h) => h === view).length;
    assert.ok(copies <= 1, `${context}: a message is stored ${copies} times`);
    assert.ok(st.server.includes(orig) || copies === 1, `${context}: a message is neither on the server nor stored: LOST`);
  }
  return { messages: st.delivered.length, onServer: st.server.length };
}

test('delete after download loses and duplicates nothing under faults and reloads', async () => {
  const random = rng(SEED);
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  page.on('dialog', (d) => void d.dismiss());
  const setup = async () => {
    await page.evaluate(
      ({ url }) => {
        localStorage.setItem('pop3ws.account', JSON.stringify({ proxy: url, target: 'slow', user: 'alice', secretIsToken: false, auth: 'auto' }));
        localStorage.setItem('pop3ws.secret', 'alice-pass');
        localStorage.setItem('pop3ws.policy', JSON.stringify({ kind: 'after-download' }));
      },
      { url: proxy.url },
    );
  };
  await page.goto(proxy.url + '/');
  let runs = 0;
  let reloads = 0;
  let checks = 0;
  let cycles = 0;
  const started = Date.now();
  while (Date.now() - started < BUDGET_MS) {
    cycles++;
    await ask({ cmd: 'add', count: 6 });
    for (let attempt = 0; ; attempt++) {
      assert.ok(attempt < 60, `cycle ${cycles}: the mailbox never emptied in 60 runs`);
      runs++;
      await setup();
      await page.goto(proxy.url + '/');
      if (random() < 0.35) {
        // Reload at a random moment: mid-login, mid-download or mid-commit.
        await page.waitForTimeout(Math.floor(random() * 2500));
        reloads++;
      } else {
        // Wait for the session to settle (connected, or failed), then sign
        // out: QUIT commits the DELEs of messages already stored.
        const connected = page.getByRole('status').filter({ hasText: /· Connected$/ });
        const failed = page.getByRole('alert');
        await Promise.race([
          connected.waitFor({ timeout: 20_000 }).then(() => page.waitForTimeout(300 + Math.floor(random() * 1500))),
          failed.waitFor({ timeout: 20_000 }),
        ]).catch(() => undefined);
        const signOut = page.getByRole('button', { name: 'Sign out' });
        if (await signOut.isVisible()) {
          await signOut.click().catch(() => undefined);
          await page.getByRole('heading', { name: 'Sign in to your POP3 mailbox' }).waitFor({ timeout: 20_000 }).catch(() => undefined);
        }
      }
      const r = await check(page, `cycle ${cycles} run ${runs}`);
      checks += r.messages;
      if (r.onServer === 0) break;
    }
    // The cycle is over: every message delivered so far is stored exactly once.
    const st = (await ask({ cmd: 'state' })) as { delivered: [string, string][] };
    const stored = (await storedHashes(page)).sort();
    assert.deepEqual(stored, st.delivered.map(([, v]) => v).sort(), `cycle ${cycles}: IndexedDB does not hold exactly the messages`);
  }
  const st = (await ask({ cmd: 'state' })) as { faults: Record<string, number>; connections: number };
  const faults = Object.values(st.faults).reduce((a, b) => a + b, 0);
  console.log(
    `web no-message-lost: ${runs} runs in ${cycles} cycles, ${st.connections} connections, ${faults} faults injected ` +
      `(${JSON.stringify(st.faults)}), ${reloads} page reloads, ${checks} message checks, seed ${SEED}`,
  );
  assert.ok(runs >= 10, 'too few runs to mean anything');
  assert.ok(faults >= 3, 'the relay injected too few faults');
  await ctx.close();
});
