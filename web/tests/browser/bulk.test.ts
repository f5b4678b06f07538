// 10,000 messages: the list loads with a progress bar, stays virtualized
// (only the rows in view are in the DOM) and a refresh fetches nothing again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, shot, startDovecot, startProxy, type Dovecot, type Proc } from './support';

const COUNT = 10_000;
let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string; port: number };
let page: Page;
let topsSent = 0;
let uidlSent = 0;

before(async () => {
  dovecot = await startDovecot(`bulk:${COUNT}:2000`);
  proxy = await startProxy(dovecot);
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const text = typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1');
      topsSent += (text.match(/^TOP /gm) ?? []).length;
      uidlSent += (text.match(/^UIDL\r?$/gm) ?? []).length;
    }),
  );
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await dovecot?.proc.stop();
});

const rows = () => page.getByRole('listbox', { name: 'Messages' }).getByRole('option');

test(`${COUNT} messages list, virtualized, newest first`, async () => {
  await page.goto(proxy.url + '/');
  await page.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await page.getByLabel('User name').fill('alice');
  await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  const listBar = page.getByRole('progressbar', { name: 'Loading message list' });
  await listBar.waitFor({ timeout: 60_000 });
  await page.screenshot({ path: shot('bulk-loading') });
  // A message opened while the list loads comes before the rest of the TOPs.
  await rows().first().click();
  await page.keyboard.press('Enter');
  await page.locator('#reader-subject').waitFor({ timeout: 30_000 });
  assert.ok(await listBar.isVisible(), 'the message opened only after the whole list had loaded');
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 300_000 });
  const ms = Date.now() - t0;
  console.log(`# ${COUNT} summaries (UIDL + LIST + ${COUNT} x TOP n 0, pipelined) listed in ${ms} ms`);
  assert.equal(topsSent, COUNT);
  assert.equal(await rows().first().getAttribute('aria-setsize'), String(COUNT));
  const inDom = await rows().count();
  assert.ok(inDom > 5 && inDom < 100, `${inDom} rows in the DOM`);
  // Scroll to the end: the oldest message is reachable and the DOM stays small.
  await page.locator('.maillist').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.waitForTimeout(300);
  const last = rows().last();
  assert.equal(await last.getAttribute('aria-posinset'), String(COUNT));
  assert.ok((await rows().count()) < 100);
  // Keyboard: k from the last row selects the one above it.
  await last.click();
  await page.keyboard.press('k');
  assert.equal(await page.locator('[role=option][aria-selected=true]').getAttribute('aria-posinset'), String(COUNT - 1));
  await page.screenshot({ path: shot('bulk-list') });
});

test('a refresh asks TOP for no message already stored', async () => {
  topsSent = 0;
  const before = uidlSent;
  await page.getByRole('button', { name: 'Refresh' }).click();
  // The refresh has started once UIDL is on the wire; then wait for its end.
  for (let i = 0; uidlSent === before; i++) {
    assert.ok(i < 600, 'no UIDL sent after Refresh');
    await page.waitForTimeout(100);
  }
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 60_000 });
  assert.equal(topsSent, 0);
  assert.equal(await rows().first().getAttribute('aria-setsize'), String(COUNT));
});
