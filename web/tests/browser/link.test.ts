// The password's way from the page: page → pop3ws-proxy → mail server. A
// proxy reached over plain http from another machine would carry the
// password in clear on the network, so the page warns before sign-in,
// refuses to send it and says why (RFC 8314 §5), unless the user insists. Chromium resolves a made-up name to 127.0.0.1 here, so
// the page sees a non-loopback http origin while every byte stays on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchBrowser, newContext, shot, startDovecot, startProxy, type Dovecot, type Proc } from './support';

const NAME = 'pop3ws-lan.test';
let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string; port: number };

before(async () => {
  dovecot = await startDovecot('demo');
  const port = await freePort();
  proxy = await startProxy(dovecot, port, undefined, [], [`http://${NAME}:${port}`]);
  browser = await launchBrowser([`--host-resolver-rules=MAP ${NAME} 127.0.0.1`]);
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await dovecot?.proc.stop();
});

const lan = () => `http://${NAME}:${proxy.port}/`;
const SIGNED_IN = /· (Connected|Downloading…|Listing messages…)$/;

/**
 * A fresh page at `url` with the sign-in form filled for alice, not yet
 * submitted; `sent` collects the WebSocket frames the page sends.
 */
async function filledForm(url: string, auth: string): Promise<{ p: Page; sent: string[] }> {
  const p = await (await newContext(browser)).newPage();
  const sent: string[] = [];
  p.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1'))));
  await p.goto(url);
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByLabel('Authentication').selectOption(auth);
  return { p, sent };
}

/** Command verbs only (a SASL response line shows as …): failure messages must not carry secrets. */
const verbs = (sent: string[]) => sent.map((f) => /^[A-Z]{3,4}(?=[ \r])/.exec(f)?.[0] ?? '…');

test('over plain http from another host a password that would cross in clear is not sent, and the page says why', async () => {
  const { p, sent } = await filledForm(lan(), 'plain');
  // Warned before signing in, and the choice to insist is off.
  await p.locator('#clear-link-note').filter({ hasText: 'not encrypted beyond this machine' }).waitFor();
  assert.equal(await p.getByRole('checkbox', { name: 'Send my password anyway' }).isChecked(), false);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'The password was not sent' }).waitFor({ timeout: 30_000 });
  await p.screenshot({ path: shot('insecure-link') });
  // The session did reach the server (the refusal is the page's, not a
  // failed connection), and nothing secret left the page.
  assert.ok(sent.some((f) => f.startsWith('CAPA')), `the page never talked to the server: ${verbs(sent).join(' ')}`);
  assert.ok(!sent.some((f) => /alice-pass|^PASS|^AUTH|^APOP/m.test(f)), `a secret went out over the clear link: ${verbs(sent).join(' ')}`);
  await p.context().close();
});

// SCRAM (RFC 7677) proves the password without sending it, so "automatic"
// signs in even there; so does any method through the proxy on 127.0.0.1.
for (const [where, url, auth] of [
  ['over plain http from another host, automatic (SCRAM)', 'lan', 'auto'],
  ['on 127.0.0.1, PLAIN', 'loopback', 'plain'],
] as const) {
  test(`${where}: signs in`, async () => {
    const { p } = await filledForm(url === 'lan' ? lan() : `${proxy.url}/`, auth);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('status').filter({ hasText: SIGNED_IN }).waitFor({ timeout: 30_000 });
    assert.equal(await p.getByRole('alert').count(), 0);
    await p.context().close();
  });
}

test('on 127.0.0.1 no warning is shown', async () => {
  const { p } = await filledForm(`${proxy.url}/`, 'plain');
  assert.equal(await p.locator('#clear-link-note').count(), 0);
  assert.equal(await p.getByRole('checkbox', { name: 'Send my password anyway' }).count(), 0);
  await p.context().close();
});

test('over plain http from another host, a user who insists signs in with PLAIN', async () => {
  const { p, sent } = await filledForm(lan(), 'plain');
  await p.getByRole('checkbox', { name: 'Send my password anyway' }).check();
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('status').filter({ hasText: SIGNED_IN }).waitFor({ timeout: 30_000 });
  assert.ok(sent.some((f) => f.startsWith('AUTH PLAIN')), `PLAIN was not used: ${verbs(sent).join(' ')}`);
  // The console's own session follows the same choice: a typed PASS goes.
  await p.getByRole('button', { name: 'Protocol' }).click();
  await p.getByRole('tab', { name: 'Type commands' }).click();
  await p.getByRole('button', { name: 'Connect' }).click();
  const state = (s: string) => p.getByTestId('console-state').filter({ hasText: new RegExp(`^${s}$`) }).waitFor({ timeout: 20_000 });
  await state('AUTHORIZATION');
  for (const line of ['USER alice', 'PASS alice-pass']) {
    await p.locator('#console-prompt').fill(line);
    await p.locator('#console-prompt').press('Enter');
  }
  await state('TRANSACTION');
  await p.context().close();
});
