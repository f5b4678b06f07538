// The password's way from the page: page → pop3ws-proxy → mail server. A
// proxy reached over plain http from another machine would carry the
// password in clear on the network, so the page warns before sign-in,
// refuses to send it and says why (RFC 8314 §5), unless the user insists. Chromium resolves a made-up name to 127.0.0.1 here, so
// the page sees a non-loopback http origin while every byte stays on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
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

test('over plain http from another host a password that would cross in clear is not sent, and the page says why', async () => {
  const ctx = await newContext(browser);
  const p = await ctx.newPage();
  const sent: string[] = [];
  p.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1'))));
  await p.goto(`http://${NAME}:${proxy.port}/`);
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByLabel('Authentication').selectOption('plain');
  // Warned before signing in, and the choice to insist is off.
  await p.locator('#clear-link-note').filter({ hasText: 'not encrypted beyond this machine' }).waitFor();
  assert.equal(await p.getByRole('checkbox', { name: 'Send my password anyway' }).isChecked(), false);
  await p.getByRole('button', { name: 'Sign in' }).click();
  const alert = p.getByRole('alert').filter({ hasText: 'The password was not sent' });
  await alert.waitFor({ timeout: 30_000 });
  await p.screenshot({ path: shot('insecure-link') });
  // The session did reach the server (the refusal is the page's, not a
  // failed connection), and nothing secret left the page.
  assert.ok(sent.some((f) => f.startsWith('CAPA')), `the page never talked to the server: ${JSON.stringify(sent)}`);
  assert.ok(!sent.some((f) => /alice-pass|^PASS|^AUTH|^APOP/m.test(f)), 'a secret went out over the clear link');
  await ctx.close();
});

// SCRAM (RFC 7677) proves the password without sending it, so "automatic"
// signs in even there; so does any method through the proxy on 127.0.0.1.
for (const [where, url, auth] of [
  ['over plain http from another host, automatic (SCRAM)', `http://${NAME}:{port}/`, 'auto'],
  ['on 127.0.0.1, PLAIN', '{proxy}/', 'plain'],
] as const) {
  test(`${where}: signs in`, async () => {
    const ctx = await newContext(browser);
    const p = await ctx.newPage();
    await p.goto(url.replace('{port}', String(proxy.port)).replace('{proxy}', proxy.url));
    await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
    await p.getByLabel('User name').fill('alice');
    await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
    await p.getByLabel('Authentication').selectOption(auth);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('status').filter({ hasText: /· (Connected|Downloading…|Listing messages…)$/ }).waitFor({ timeout: 30_000 });
    assert.equal(await p.getByRole('alert').count(), 0);
    await ctx.close();
  });
}

test('on 127.0.0.1 no warning is shown', async () => {
  const ctx = await newContext(browser);
  const p = await ctx.newPage();
  await p.goto(`${proxy.url}/`);
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  assert.equal(await p.locator('#clear-link-note').count(), 0);
  assert.equal(await p.getByRole('checkbox', { name: 'Send my password anyway' }).count(), 0);
  await ctx.close();
});

test('over plain http from another host, a user who insists signs in with PLAIN', async () => {
  const ctx = await newContext(browser);
  const p = await ctx.newPage();
  const sent: string[] = [];
  p.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1'))));
  await p.goto(`http://${NAME}:${proxy.port}/`);
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByLabel('Authentication').selectOption('plain');
  await p.getByRole('checkbox', { name: 'Send my password anyway' }).check();
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('status').filter({ hasText: /· (Connected|Downloading…|Listing messages…)$/ }).waitFor({ timeout: 30_000 });
  assert.ok(sent.some((f) => f.startsWith('AUTH PLAIN')), `PLAIN was not used: ${JSON.stringify(sent.map((f) => f.slice(0, 10)))}`);
  await ctx.close();
});
