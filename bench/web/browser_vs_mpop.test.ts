// Benchmark (never part of the tests; run with bench/web/run.sh): Chromium
// lists and downloads a mailbox of BENCH_COUNT messages of BENCH_SIZE bytes
// into IndexedDB through pop3ws-proxy ("delete after download" makes it fetch
// everything), beside mpop fetching the same mailbox natively into a Maildir
// (on disk, and in tmpfs where its fsync per message costs next to nothing).
// Prints the figures, wall time and CPU time of each side (CPU time is less
// stretched by a loaded machine); it checks only that both fetched every
// message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, newContext, startDovecot, startProcess, startProxy } from '../../web/tests/browser/support';
import { chromiumCpu, cpuSecondsOf, treeCpuSeconds, waitedChildrenCpuSeconds } from './cpu';
import { statusShows, storedMessages } from './stored';

const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const SIZE = Number(process.env.BENCH_SIZE ?? 20000);

test(`download ${COUNT} x ${SIZE} bytes: browser vs mpop`, async () => {
  const d = await startDovecot(`bulk:${COUNT}:${SIZE}`);
  const proxy = await startProxy(d);
  try {
    const dovecotPid = d.proc.child.pid as number;
    const proxyPid = proxy.proc.child.pid as number;
    /** mpop into a fresh Maildir under `root`; wall ms, its CPU s, Dovecot's CPU s. */
    const runMpop = async (root: string) => {
      const dir = mkdtempSync(join(root, 'pop3ws-bench-mpop-'));
      try {
        const maildir = join(dir, 'Maildir');
        for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
        writeFileSync(
          join(dir, 'mpoprc'),
          [
            'account default',
            'host 127.0.0.1',
            `port ${d.pop3s_port}`,
            'tls on',
            'tls_starttls off',
            `tls_trust_file ${d.ca_file}`,
            'auth user',
            'user alice',
            'password alice-pass',
            `delivery maildir ${maildir}`,
            'keep on',
            `uidls_file ${join(dir, 'uidls')}`,
            '',
          ].join('\n'),
          { mode: 0o600 },
        );
        const dove0 = treeCpuSeconds(dovecotPid);
        const waited0 = waitedChildrenCpuSeconds();
        const t0 = Date.now();
        const mpop = startProcess('/usr/bin/mpop', ['-C', join(dir, 'mpoprc'), '-q']);
        await new Promise<void>((r) => mpop.child.once('exit', () => r()));
        const ms = Date.now() - t0;
        // Node has reaped mpop by now, so its CPU time is in our children's count.
        await new Promise((r) => setTimeout(r, 50));
        const cpu = waitedChildrenCpuSeconds() - waited0;
        const dovecotCpu = treeCpuSeconds(dovecotPid) - dove0;
        assert.equal(readdirSync(join(maildir, 'new')).length, COUNT, mpop.output());
        return { ms, cpu, dovecotCpu };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // mpop fsyncs every message it delivers (Maildir), which on this disk
    // is most of its time; the page's IndexedDB writes are relaxed with one
    // strict write before any delete. So mpop also runs into a Maildir in
    // tmpfs (/dev/shm), where fsync costs next to nothing.
    const mpopDisk = await runMpop(tmpdir());
    const mpopShm = existsSync('/dev/shm') ? await runMpop('/dev/shm') : null;

    const browser = await launchBrowser();
    const browserCdp = await browser.newBrowserCDPSession();
    const page = await (await newContext(browser)).newPage();
    await page.goto(proxy.url + '/');
    await page.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
    const chromium0 = await chromiumCpu(browserCdp);
    const proxy0 = cpuSecondsOf(proxyPid);
    const dove0 = treeCpuSeconds(dovecotPid);
    let t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await statusShows(page, /· Connected$/);
    const listMs = Date.now() - t0;
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Delete from the server after download' }).check();
    await page.getByRole('button', { name: 'Settings' }).click();
    t0 = Date.now();
    await page.getByRole('button', { name: 'Refresh' }).click();
    // Done when IndexedDB holds every message (what "downloaded" means here).
    while ((await storedMessages(page)) < COUNT) {
      assert.ok(Date.now() - t0 < 600_000, 'the download did not finish in 10 minutes');
      await page.waitForTimeout(100);
    }
    const downloadMs = Date.now() - t0;
    // Includes the settings clicks between the two phases and the count
    // polling (small beside the job).
    const chromium1 = await chromiumCpu(browserCdp);
    const proxyCpu = cpuSecondsOf(proxyPid) - proxy0;
    const browserDovecotCpu = treeCpuSeconds(dovecotPid) - dove0;
    await browser.close();
    const total = listMs + downloadMs;
    const byType = [...chromium1.entries()].map(([k, v]) => [k, v - (chromium0.get(k) ?? 0)] as const);
    const chromiumCpuS = byType.reduce((n, [, v]) => n + v, 0);
    const clientCpu = chromiumCpuS + proxyCpu;
    const mpopLine = (where: string, m: { ms: number; cpu: number; dovecotCpu: number }) =>
      console.log(`# mpop (${where}): ${COUNT} messages into a Maildir in ${m.ms} ms, CPU ${m.cpu.toFixed(2)} s (Dovecot ${m.dovecotCpu.toFixed(2)} s)`);
    mpopLine('disk', mpopDisk);
    if (mpopShm) mpopLine('tmpfs', mpopShm);
    console.log(`# browser: list (UIDL + LIST + ${COUNT} x TOP) ${listMs} ms, download into IndexedDB ${downloadMs} ms, together ${total} ms`);
    console.log(
      `# browser CPU: Chromium ${chromiumCpuS.toFixed(2)} s (${byType.filter(([, v]) => v >= 0.01).map(([k, v]) => `${k.replace(/^.*\./, '')} ${v.toFixed(2)}`).join(', ')}) ` +
        `+ pop3ws-proxy ${proxyCpu.toFixed(2)} s (Dovecot ${browserDovecotCpu.toFixed(2)} s)`,
    );
    for (const [where, m] of [['disk', mpopDisk], ['tmpfs', mpopShm]] as const) {
      if (!m) continue;
      console.log(
        `# browser / mpop (${where}): ${(total / m.ms).toFixed(2)} (download alone ${(downloadMs / m.ms).toFixed(2)}; CPU ${(clientCpu / m.cpu).toFixed(2)})`,
      );
    }
    console.log(`# figures: ${JSON.stringify({ mpopDiskMs: mpopDisk.ms, mpopShmMs: mpopShm?.ms ?? null, listMs, downloadMs, totalMs: total, mpopDiskCpu: mpopDisk.cpu, mpopShmCpu: mpopShm?.cpu ?? null, chromiumCpu: +chromiumCpuS.toFixed(2), proxyCpu: +proxyCpu.toFixed(2) })}`);
    console.log(`# load average during the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await proxy.proc.stop();
    await d.proc.stop();
  }
});
