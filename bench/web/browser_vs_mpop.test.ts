// Benchmark (never part of the tests; run with bench/web/run.sh): Chromium
// lists and downloads a mailbox of BENCH_COUNT messages of BENCH_SIZE bytes
// into IndexedDB through pop3ws-proxy ("delete after download" makes it fetch
// everything), beside mpop fetching the same mailbox natively into a Maildir.
// Prints the figures; it checks only that both fetched every message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, newContext, startDovecot, startProcess, startProxy } from '../../web/tests/browser/support';

const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
const SIZE = Number(process.env.BENCH_SIZE ?? 20000);

test(`download ${COUNT} x ${SIZE} bytes: browser vs mpop`, async () => {
  const d = await startDovecot(`bulk:${COUNT}:${SIZE}`);
  const proxy = await startProxy(d);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pop3ws-bench-mpop-'));
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
    let t0 = Date.now();
    const mpop = startProcess('/usr/bin/mpop', ['-C', join(dir, 'mpoprc'), '-q']);
    await new Promise<void>((r) => mpop.child.once('exit', () => r()));
    const mpopMs = Date.now() - t0;
    assert.equal(readdirSync(join(maildir, 'new')).length, COUNT, mpop.output());

    const browser = await launchBrowser();
    const page = await (await newContext(browser)).newPage();
    await page.goto(proxy.url + '/');
    await page.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
    t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 600_000 });
    const listMs = Date.now() - t0;
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Delete from the server after download' }).check();
    await page.getByRole('button', { name: 'Settings' }).click();
    t0 = Date.now();
    await page.getByRole('button', { name: 'Refresh' }).click();
    // Done when IndexedDB holds every message (what "downloaded" means here).
    const stored = () =>
      page.evaluate(
        () =>
          new Promise<number>((res) => {
            const r = indexedDB.open('pop3ws-mail');
            r.onerror = () => res(0);
            r.onsuccess = () => {
              const c = r.result.transaction('raw').objectStore('raw').count();
              c.onsuccess = () => {
                r.result.close();
                res(c.result);
              };
            };
          }),
      );
    while ((await stored()) < COUNT) {
      assert.ok(Date.now() - t0 < 600_000, 'the download did not finish in 10 minutes');
      await page.waitForTimeout(100);
    }
    const downloadMs = Date.now() - t0;
    await browser.close();
    const total = listMs + downloadMs;
    console.log(`# mpop: ${COUNT} messages into a Maildir in ${mpopMs} ms`);
    console.log(`# browser: list (UIDL + LIST + ${COUNT} x TOP) ${listMs} ms, download into IndexedDB ${downloadMs} ms, together ${total} ms`);
    console.log(`# browser / mpop: ${(total / mpopMs).toFixed(2)} (download alone ${(downloadMs / mpopMs).toFixed(2)})`);
    console.log(`# load average during the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    await proxy.proc.stop();
    await d.proc.stop();
  }
});
