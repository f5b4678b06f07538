// "Delete from the server after download": every message is stored in
// IndexedDB first, DELEd, and removed when the session ends (QUIT at sign
// out); the mail stays readable on the device.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, serverMessageCount, shot, startDovecot, startProxy, type Dovecot, type Proc } from './support';

let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string; port: number };
let page: Page;

before(async () => {
  dovecot = await startDovecot('bulk:6:3000');
  proxy = await startProxy(dovecot);
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await dovecot?.proc.stop();
});

const rows = () => page.getByRole('listbox', { name: 'Messages' }).getByRole('option');

async function signIn(): Promise<void> {
  await page.goto(proxy.url + '/');
  await page.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await page.getByLabel('User name').fill('alice');
  await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 60_000 });
}

test('delete after download: stored first, removed from the server at QUIT, still readable', async () => {
  await signIn();
  assert.equal(await rows().count(), 6);
  assert.equal(await serverMessageCount(dovecot), 6);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Delete from the server after download' }).check();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  // Every message gets stored (the ✓ mark) before any DELE.
  await page.getByRole('img', { name: 'stored offline' }).nth(5).waitFor({ timeout: 60_000 });
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 60_000 });
  // DELE alone removes nothing (RFC 1939 §6): still 6 until the session ends.
  assert.equal(await serverMessageCount(dovecot), 6);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to your POP3 mailbox' }).waitFor();
  assert.equal(await serverMessageCount(dovecot), 0);
  // Signed in again: the server is empty, the stored mail is still here.
  await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await rows().count(), 6);
  await rows().first().click();
  await page.keyboard.press('Enter');
  await page.locator('#reader-subject').waitFor();
  assert.ok((await page.locator('.textbody, iframe.htmlbody').count()) > 0);
  await page.screenshot({ path: shot('policy-after-download') });
});
