// Where the browser's time goes in the benchmark's job (never part of the
// tests; run with bench/web/profile.sh). The same flow as
// browser_vs_mpop.test.ts, with V8's CPU profiler running on the page and on
// the mail worker (CDP: Profiler, the worker reached through
// Target.setAutoAttach), the CPU time of every Chromium process
// (SystemInfo.getProcessInfo), of pop3ws-proxy and of Dovecot. Prints, for
// the listing and for the download, the functions that cost the most and the
// CPU seconds of each process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, newContext, startDovecot, startProxy } from '../../web/tests/browser/support';
import { chromiumCpu, cpuSecondsOf, treeCpuSeconds } from './cpu';
import { statusShows, storedMessages } from './stored';

const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const SIZE = Number(process.env.BENCH_SIZE ?? 20000);
const TOP = Number(process.env.BENCH_TOP ?? 25);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self and inclusive milliseconds per function (name + file:line). */
export function summarizeProfile(p: Profile): { self: Map<string, number>; inclusive: Map<string, number>; totalMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\//, '') : '';
    return `${f.functionName || '(anonymous)'} ${file}${file ? ':' + (f.lineNumber + 1) : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; the sample stands for the
    // time until the next one.
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(p.samples[i] as number);
    if (!n) continue;
    self.set(key(n), (self.get(key(n)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const k = key(byId.get(id) as ProfileNode);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  return { self, inclusive, totalMs: (p.endTime - p.startTime) / 1000 };
}

function printProfile(label: string, p: Profile): void {
  const { self, inclusive, totalMs } = summarizeProfile(p);
  const ms = (k: string) => (self.get(k) ?? 0).toFixed(0);
  // (program) is the thread's native work outside JavaScript (structured
  // clone, IPC, the event loop); (idle) is waiting.
  console.log(`# ${label}: ${totalMs.toFixed(0)} ms profiled, (idle) ${ms('(idle) ')} ms, (program) ${ms('(program) ')} ms, GC ${ms('(garbage collector) ')} ms`);
  const top = (m: Map<string, number>) => [...m.entries()].filter(([k]) => !/^\((idle|program|root)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.log(`#   self time`);
  for (const [k, ms] of top(self)) console.log(`#     ${ms.toFixed(0).padStart(6)} ms  ${k}`);
  console.log(`#   inclusive time`);
  for (const [k, ms] of top(inclusive)) console.log(`#     ${ms.toFixed(0).padStart(6)} ms  ${k}`);
}

/** The dedicated mail worker's own CDP channel (non-flat auto-attach). */
class WorkerChannel {
  private nextId = 1;
  private waiting = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  sessionId: string | null = null;
  private attached: Promise<void>;

  constructor(private readonly page: CDPSession) {
    let done: () => void = () => undefined;
    this.attached = new Promise((r) => (done = r));
    page.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
      if (e.targetInfo.type === 'worker' && !this.sessionId) {
        this.sessionId = e.sessionId;
        done();
      }
    });
    page.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== this.sessionId) return;
      const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
      if (m.id !== undefined) this.waiting.get(m.id)?.(m);
    });
  }

  async ready(): Promise<void> {
    await this.attached;
  }

  async send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    const reply = new Promise<{ result?: unknown; error?: unknown }>((r) => this.waiting.set(id, r));
    await this.page.send('Target.sendMessageToTarget', {
      sessionId: this.sessionId as string,
      message: JSON.stringify({ id, method, params }),
    });
    const r = await reply;
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result as T;
  }
}

test(`profile ${COUNT} x ${SIZE} bytes in the browser`, async () => {
  const d = await startDovecot(`bulk:${COUNT}:${SIZE}`);
  const proxy = await startProxy(d);
  const browser = await launchBrowser();
  try {
    const browserCdp = await browser.newBrowserCDPSession();
    const page: Page = await (await newContext(browser)).newPage();
    const cdp = await page.context().newCDPSession(page);
    const worker = new WorkerChannel(cdp);
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    await page.goto(proxy.url + '/');
    await worker.ready();
    for (const s of [cdp, worker] as const) {
      await s.send('Profiler.enable');
      await s.send('Profiler.setSamplingInterval', { interval: 200 });
    }
    await page.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');

    const proxyPid = proxy.proc.child.pid as number;
    const dovecotPid = d.proc.child.pid as number;
    const phase = async (label: string, run: () => Promise<void>) => {
      const cpu0 = await chromiumCpu(browserCdp);
      const proxy0 = cpuSecondsOf(proxyPid);
      const dove0 = treeCpuSeconds(dovecotPid);
      await cdp.send('Profiler.start');
      await worker.send('Profiler.start');
      const t0 = Date.now();
      await run();
      const ms = Date.now() - t0;
      const wp = (await worker.send<{ profile: Profile }>('Profiler.stop')).profile;
      const pp = ((await cdp.send('Profiler.stop')) as { profile: Profile }).profile;
      const cpu1 = await chromiumCpu(browserCdp);
      console.log(`# ===== ${label}: ${ms} ms wall, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
      const parts = [...cpu1.entries()].map(([k, v]) => `${k} ${(v - (cpu0.get(k) ?? 0)).toFixed(2)} s`);
      console.log(`# CPU: chromium ${parts.join(', ')}; pop3ws-proxy ${(cpuSecondsOf(proxyPid) - proxy0).toFixed(2)} s; dovecot ${(treeCpuSeconds(dovecotPid) - dove0).toFixed(2)} s`);
      printProfile(`${label}, worker`, wp);
      printProfile(`${label}, page`, pp);
    };

    await phase('list', async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await statusShows(page, /· Connected$/);
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Delete from the server after download' }).check();
    await page.getByRole('button', { name: 'Settings' }).click();
    await phase('download', async () => {
      const t0 = Date.now();
      await page.getByRole('button', { name: 'Refresh' }).click();
      while ((await storedMessages(page)) < COUNT) {
        assert.ok(Date.now() - t0 < 600_000, 'the download did not finish in 10 minutes');
        await page.waitForTimeout(100);
      }
    });
  } finally {
    await browser.close();
    await proxy.proc.stop();
    await d.proc.stop();
  }
});
