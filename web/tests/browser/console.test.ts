// The protocol console in Debian's Chromium against the real pop3ws-proxy
// and a private Dovecot holding the demo mailbox: manual mode (a refusal
// explained, then STAT/LIST/RETR with annotations), step mode, and the full
// lesson from greeting to QUIT in English and in Chinese; the exported text
// carries no password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext, shot, startDovecot, startProxy, type Dovecot, type Proc } from './support';

let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string; port: number };

before(async () => {
  dovecot = await startDovecot('demo');
  proxy = await startProxy(dovecot);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await dovecot?.proc.stop();
});

async function signedIn(locale = 'en-US'): Promise<Page> {
  const ctx = await newContext(browser, { locale, width: 1500, height: 1000 });
  const p = await ctx.newPage();
  await p.goto(proxy.url + '/');
  await p.locator('select[name=target] option[value=demo]').waitFor({ state: 'attached' });
  await p.locator('select[name=target]').selectOption('demo');
  await p.locator('input[name=user]').fill('alice');
  await p.locator('input[type=password]').fill('alice-pass');
  await p.locator('form button[type=submit]').click();
  await p.getByRole('listbox').getByRole('option').first().waitFor({ timeout: 30_000 });
  return p;
}

const log = (p: Page) => p.getByRole('log');
const row = (p: Page, text: string | RegExp) => log(p).locator('li').filter({ hasText: text });
const explainBox = (p: Page) => p.locator('.explain');

async function type(p: Page, line: string): Promise<void> {
  const input = p.locator('#console-prompt');
  await input.fill(line);
  await input.press('Enter');
}

async function waitState(p: Page, state: string): Promise<void> {
  await p.getByTestId('console-state').filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: 20_000 });
}

test('manual mode: a refusal is explained and nothing sent; STAT, LIST, RETR shown as sent and annotated', async () => {
  const p = await signedIn();
  await p.getByRole('button', { name: 'Protocol' }).click();
  // The live mailbox session is annotated too.
  await row(p, 'UIDL').first().hover();
  await explainBox(p).filter({ hasText: 'RFC 1939 §7' }).waitFor();
  await p.getByRole('tab', { name: 'Type commands' }).click();
  await p.getByRole('button', { name: 'Connect' }).click();
  await waitState(p, 'AUTHORIZATION');
  await row(p, /S:\s*\+OK/).first().click();
  await explainBox(p).filter({ hasText: 'Server greeting' }).waitFor();
  await explainBox(p).filter({ hasText: 'the client must now identify itself' }).waitFor();

  // RETR before login: the codec refuses; the panel says why; nothing goes out.
  await type(p, 'RETR 1');
  const refusal = row(p, 'RETR 1');
  await refusal.waitFor();
  await refusal.click();
  await explainBox(p).filter({ hasText: 'RETR refused, nothing sent' }).waitFor();
  await explainBox(p).filter({ hasText: 'Not allowed in this state; nothing was sent.' }).waitFor();
  await explainBox(p).filter({ hasText: 'TRANSACTION' }).waitFor();
  assert.equal(await row(p, /C:\s*RETR/).count(), 0, 'a refused RETR was sent');

  // Tab completes command names; history recalls the last line.
  await p.locator('#console-prompt').fill('us');
  await p.locator('#console-prompt').press('Tab');
  assert.equal(await p.locator('#console-prompt').inputValue(), 'USER ');
  await p.locator('#console-prompt').fill('USER alice');
  await p.locator('#console-prompt').press('Enter');
  await type(p, 'PASS alice-pass');
  await waitState(p, 'TRANSACTION');
  await p.locator('#console-prompt').press('ArrowUp');
  assert.equal(await p.locator('#console-prompt').inputValue(), 'PASS ********', 'the password entered the history');
  await p.locator('#console-prompt').fill('');

  await type(p, 'STAT');
  await row(p, /S:\s*\+OK 14 /).waitFor();
  await row(p, /S:\s*\+OK 14 /).click();
  await explainBox(p).filter({ hasText: '+OK (reply to STAT)' }).waitFor();
  await explainBox(p).filter({ hasText: 'drop listing' }).waitFor();
  await type(p, 'LIST');
  const listReply = row(p, /S:\s*\+OK 14 messages/);
  await listReply.waitFor();
  // Folded: 14 lines behind a toggle.
  await listReply.getByRole('button', { name: 'Show 14 lines' }).click();
  await row(p, /^.*S:\s*14 \d+/).click();
  await explainBox(p).filter({ hasText: 'Message 14 is about' }).waitFor();
  await type(p, 'RETR 1');
  const body = row(p, /octets of message 1\) \./);
  await body.waitFor();
  await body.click();
  await explainBox(p).filter({ hasText: 'RETR body of message 1' }).waitFor();
  await explainBox(p).filter({ hasText: 'dot-stuffed' }).waitFor();
  await body.getByRole('button', { name: /Show \d+ lines/ }).click();
  await body.locator('.wire pre').filter({ hasText: 'Subject: Demo 01' }).waitFor();

  const text = await log(p).innerText();
  assert.match(text, /C:\s*USER alice/);
  assert.match(text, /C:\s*PASS \*{8}/);
  assert.ok(!text.includes('alice-pass'), 'password shown');
  await p.screenshot({ path: shot('console-manual') });

  // The sequence diagram marks the TLS leg.
  await p.getByLabel('Sequence diagram').check();
  await p.locator('.diagram svg').filter({ hasText: 'TLS' }).waitFor();
  await p.locator('.diagram svg').filter({ hasText: 'RETR 1' }).waitFor();
  await p.screenshot({ path: shot('console-diagram') });

  // Export: the text has the session and no password.
  const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Export as text' }).click()]);
  const exported = readFileSync((await download.path()) as string, 'utf8');
  assert.match(exported, /C: PASS \*{8}/);
  assert.match(exported, /C: STAT/);
  assert.match(exported, /refused: wrong-state/);
  assert.ok(!exported.includes('alice-pass'), 'password in the export');
  await type(p, 'QUIT');
  await p.getByRole('button', { name: 'Connect' }).waitFor();
  await p.context().close();
});

test('step mode: the automatic client one command at a time, with why', async () => {
  const p = await signedIn();
  await p.getByRole('button', { name: 'Protocol' }).click();
  await p.getByRole('tab', { name: 'Step by step' }).click();
  const why = p.getByTestId('step-why');
  await why.filter({ hasText: 'Open the connection' }).waitFor();
  await p.getByRole('button', { name: 'Start' }).click();
  await why.filter({ hasText: 'Ask what the server supports' }).waitFor();
  await row(p, /S:\s*\+OK/).first().waitFor();
  const expectations: [string, RegExp][] = [
    ['Sign in with the strongest', /C:\s*CAPA/],
    ['Count the messages', /C:\s*AUTH SCRAM-SHA-256/],
    ['Unique ids', /C:\s*STAT/],
    ['Sizes of all messages', /C:\s*UIDL/],
    ['Headers only', /C:\s*LIST/],
    ['The whole newest message', /C:\s*TOP 14 0/],
    ['Mark it for deletion', /C:\s*RETR 14/],
    ['Undo the mark', /C:\s*DELE 14/],
    ['End the session', /C:\s*RSET/],
  ];
  for (const [next, sent] of expectations) {
    await p.getByRole('button', { name: 'Next' }).click();
    await why.filter({ hasText: next }).waitFor({ timeout: 20_000 });
    await row(p, sent).first().waitFor();
  }
  await p.getByRole('button', { name: 'Next' }).click();
  await p.locator('.stepmode').filter({ hasText: 'All steps done.' }).waitFor({ timeout: 20_000 });
  await row(p, /C:\s*QUIT/).waitFor();
  assert.ok(!(await log(p).innerText()).includes('alice-pass'));
  await p.screenshot({ path: shot('console-step') });
  await p.context().close();
});

async function lesson(p: Page, words: { tab: string; connect: string; next: string; sasl: string; ok: string; done: string }): Promise<void> {
  await p.getByRole('tab', { name: words.tab }).click();
  const next = async () => {
    await p.locator('.lesson-ok').filter({ hasText: words.ok }).waitFor({ timeout: 20_000 });
    await p.getByRole('button', { name: words.next }).click();
  };
  await p.locator('.lesson').getByRole('button', { name: words.connect }).click();
  await next();
  // A wrong command first: the lesson says what it expects.
  await type(p, 'STAT');
  await p.locator('.lesson-check').filter({ hasText: 'USER alice' }).waitFor();
  for (const line of ['USER alice', 'PASS alice-pass', 'STAT', 'LIST', 'TOP 1 5', 'RETR 1', 'UIDL', 'DELE 1', 'RSET', 'QUIT']) {
    await type(p, line);
    await next();
  }
  await p.locator('.lesson').getByRole('button', { name: words.connect }).click();
  await next();
  await p.getByRole('button', { name: words.sasl }).click();
  await next();
  await type(p, 'QUIT');
  await next();
  await p.locator('.lesson-done').filter({ hasText: words.done }).waitFor();
}

test('the lesson from greeting to QUIT, in English', async () => {
  const p = await signedIn();
  await p.getByRole('button', { name: 'Protocol' }).click();
  await lesson(p, { tab: 'Lessons', connect: 'Connect', next: 'Next step', sasl: 'Sign in with SASL', ok: 'Well done.', done: 'Lesson complete' });
  const text = await log(p).innerText();
  for (const re of [/C:\s*TOP 1 5/, /C:\s*UIDL/, /C:\s*DELE 1/, /C:\s*AUTH SCRAM-SHA-256/, /S:\s*\+ /]) assert.match(text, re);
  assert.ok(!text.includes('alice-pass'));
  // QUIT after login: UPDATE, explained.
  await row(p, /S:\s*\+OK Logging out/).first().click();
  await explainBox(p).filter({ hasText: 'State: UPDATE' }).waitFor();
  await explainBox(p).filter({ hasText: 'deletes the marked messages' }).waitFor();
  await p.screenshot({ path: shot('console-lesson') });
  await p.context().close();
});

test('the lesson in Simplified Chinese, annotations in Chinese', async () => {
  const p = await signedIn('zh-CN');
  await p.getByRole('button', { name: '协议' }).click();
  await lesson(p, { tab: '课程', connect: '连接', next: '下一步', sasl: '用 SASL 登录', ok: '做得好。', done: '课程完成' });
  await row(p, /C:\s*RETR 1/).first().click();
  await explainBox(p).filter({ hasText: '下载整封邮件' }).waitFor();
  await explainBox(p).filter({ hasText: 'RFC 1939 §5' }).waitFor();
  await row(p, /S:\s*\+OK Logging out/).first().click();
  await explainBox(p).filter({ hasText: '状态: UPDATE' }).waitFor();
  await p.screenshot({ path: shot('console-lesson-zh') });
  await p.context().close();
});
