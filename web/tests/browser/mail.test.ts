// The web app in Debian's Chromium against the real pop3ws-proxy (serving
// web/dist) and a private Dovecot holding the demo mailbox
// (tests/harness/pop3ws_harness/demo_mail.py lists its Subjects).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  demoExpectations,
  freePort,
  launchBrowser,
  newContext,
  serverMessageCount,
  shot,
  startDovecot,
  startProxy,
  startRelay,
  type Dovecot,
  type Proc,
} from './support';

let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string; port: number };
let relay: { proc: Proc; port: number };
let ctx: BrowserContext;
let page: Page;
/** Requests the page made to anything but the proxy (must stay empty). */
const foreign: string[] = [];
const dialogs: string[] = [];
// A function, so assertions that narrowed `foreign` to [] do not stick.
const requestsSoFar = (): string[] => foreign;

before(async () => {
  dovecot = await startDovecot('demo');
  relay = await startRelay(dovecot.pop3s_port, 1_000_000);
  proxy = await startProxy(dovecot, undefined, relay.port);
  browser = await launchBrowser();
  ctx = await newContext(browser);
  page = await ctx.newPage();
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(proxy.url) && !u.startsWith('ws://127.0.0.1:' + proxy.port) && !/^(data|blob|about):/.test(u)) foreign.push(u);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await relay?.proc.stop();
  await dovecot?.proc.stop();
});

const list = () => page.getByRole('listbox', { name: 'Messages' });
const row = (text: string) => list().getByRole('option').filter({ hasText: text });

async function signIn(p: Page, password = 'alice-pass'): Promise<void> {
  await p.goto(proxy.url + '/');
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('Mail server').selectOption('demo');
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

async function openMessage(subject: string): Promise<void> {
  await row(subject).click();
  await page.keyboard.press('Enter');
  await page.locator('#reader-subject').filter({ hasText: subject }).waitFor({ timeout: 30_000 });
}

test('sign-in form: labelled controls, proxy defaults to the page, targets from the proxy', async () => {
  await page.goto(proxy.url + '/');
  assert.equal(await page.getByLabel('Proxy address').inputValue(), proxy.url);
  await page.getByLabel('Mail server').locator('option', { hasText: 'Demo mailbox (private Dovecot)' }).waitFor({ state: 'attached' });
  for (const name of ['User name', 'Authentication', 'Remember password on this device']) {
    assert.equal(await page.getByLabel(name).count(), 1, `control labelled ${name}`);
  }
  await page.getByLabel('Remember password on this device').check();
  await page.getByRole('alert').filter({ hasText: 'stored unencrypted' }).waitFor();
  await page.getByLabel('Remember password on this device').uncheck();
  await page.screenshot({ path: shot('signin') });
});

test('Simplified Chinese follows the browser language, guesses GB18030 for undeclared headers, and can be switched', async () => {
  const zh = await newContext(browser, { locale: 'zh-CN' });
  const p = await zh.newPage();
  await p.goto(proxy.url + '/');
  await p.getByRole('heading', { name: '登录您的 POP3 邮箱' }).waitFor();
  await p.screenshot({ path: shot('signin-zh') });
  // A Chinese reader's guess for undeclared 8-bit headers is GB18030.
  await p.getByLabel('邮件服务器').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('用户名').fill('alice');
  await p.getByRole('textbox', { name: '密码' }).fill('wrong');
  await p.getByRole('button', { name: '登录' }).click();
  await p.getByRole('alert').filter({ hasText: '服务器不接受该用户名或密码。' }).waitFor({ timeout: 30_000 });
  await p.getByRole('textbox', { name: '密码' }).fill('alice-pass');
  await p.getByRole('button', { name: '登录' }).click();
  await p.getByRole('status').filter({ hasText: /· 已连接$/ }).waitFor({ timeout: 30_000 });
  const zhRow = p.getByRole('listbox', { name: '邮件' }).getByRole('option').filter({ hasText: '演示 05：未声明字符集的 GBK 标题' });
  await zhRow.click();
  await p.keyboard.press('Enter');
  await p.locator('.textbody').filter({ hasText: '标题是未编码的 GBK 字节' }).waitFor();
  await p.screenshot({ path: shot('reader-zh') });
  await p.getByLabel('语言').first().selectOption('en');
  await p.getByRole('button', { name: 'Sign out' }).waitFor();
  await zh.close();
});

test('sign in lists the mailbox newest first, from UIDL/LIST/TOP', async () => {
  await signIn(page);
  await row('Demo 14: 10 MB holiday photos').waitFor({ timeout: 30_000 });
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor();
  const texts = await list().getByRole('option').allInnerTexts();
  assert.equal(texts.length, 14);
  assert.match(texts[0] ?? '', /Demo 14/);
  assert.match(texts[13] ?? '', /Demo 01: Welcome to pop3ws/);
  // Attachment hint from the header alone (multipart/mixed).
  assert.equal(await row('Demo 12').getByRole('img', { name: 'has attachments' }).count(), 1);
  await page.screenshot({ path: shot('mailbox') });
  // The Protocol panel shows the session, with the secret redacted.
  await page.getByRole('button', { name: 'Protocol' }).click();
  const log = page.getByRole('log');
  await log.getByText('UIDL', { exact: true }).first().waitFor();
  const transcript = await log.innerText();
  assert.match(transcript, /C:\s+TOP 14 0/);
  assert.ok(!transcript.includes('alice-pass'), 'password shown in the protocol panel');
  await page.screenshot({ path: shot('protocol-panel') });
  await page.getByRole('button', { name: 'Protocol' }).click();
});

test('reads UTF-8, GBK, gb2312-labelled GBK, Big5, ISO-2022-JP, Latin-1 and Windows-1252 mail', async () => {
  const cases: [string, string, string][] = [
    ['Demo 01: Welcome to pop3ws', 'Welcome to pop3ws, a mail reader that talks POP3 from your browser.', 'pop3ws team'],
    ['演示 02：你好，世界（UTF-8 邮件）', '这是一封 UTF-8 编码的简体中文邮件', '李雷'],
    ['演示 03：GBK 编码的会议通知', '下周一上午九点在三楼会议室开会', '张伟'],
    ['演示 04：标签写 gb2312，内容含 GBK 字：喆 堃', '但“喆”和“堃”只在 GBK 里有', 'Chen Zhe'],
    ['示範 06：繁體中文 Big5 郵件', '這是一封以 Big5 編碼的繁體中文郵件', '陳大文'],
    ['デモ 07：日本語のメール（ISO-2022-JP）', 'このメールは ISO-2022-JP で書かれています', '佐藤'],
    ['Demo 08: Café crème brûlée (ISO-8859-1)', 'La crème brûlée était délicieuse', 'Renée Lefèvre'],
    ['Demo 09: “Smart quotes” – €uro (Windows-1252)', 'Word likes “curly quotes”, ‘single ones’, en dashes –', 'Bob Office'],
  ];
  for (const [subject, body, from] of cases) {
    await openMessage(subject);
    const reader = page.locator('article.reader');
    assert.ok((await reader.locator('.textbody').innerText()).includes(body), `${subject}: body`);
    assert.ok((await reader.locator('dd.from').innerText()).includes(from), `${subject}: From`);
    assert.ok(!(await reader.innerText()).includes('\ufffd'), `${subject}: U+FFFD shown`);
  }
  await page.screenshot({ path: shot('reader-gbk') });
});

test('undeclared 8-bit GBK subject: guessed from the bytes even for an English reader, user can override', async () => {
  const subject = '演示 05：未声明字符集的 GBK 标题';
  // "Automatic": the bytes decode cleanly as GB18030 into plausible Chinese.
  await row(subject).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  const select = page.locator('.settings').getByLabel('Charset for undeclared 8-bit headers');
  assert.equal(await select.inputValue(), 'auto');
  // The reader's override wins: Windows-1252 shows Latin-1 look-alikes.
  await select.selectOption('windows-1252');
  await page.waitForFunction((s) => !document.querySelector('[role=listbox]')?.textContent?.includes(s), subject);
  await select.selectOption('gb18030');
  await row(subject).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  await openMessage(subject);
  assert.ok((await page.locator('.textbody').innerText()).includes('标题是未编码的 GBK 字节'));
});

test('hostile HTML runs nothing and loads nothing remote', async () => {
  foreign.length = 0;
  await openMessage('Demo 11: Hostile HTML (must be sanitised)');
  const frame = page.frameLocator('iframe.htmlbody');
  await frame.getByText('HOSTILE-BODY-TEXT-OK').waitFor();
  await frame.getByText('click here to pay').click().catch(() => undefined); // javascript: link removed
  await page.waitForTimeout(1500);
  const iframe = page.locator('iframe.htmlbody');
  assert.equal(await iframe.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
  const srcdoc = (await iframe.getAttribute('srcdoc')) ?? '';
  for (const bad of ['<script', 'onerror', 'onload', 'javascript:', '<form', '<iframe', '<object', '<embed', '<base', 'http-equiv="refresh"', '@import', '127.0.0.1:9']) {
    assert.ok(!srcdoc.toLowerCase().includes(bad.toLowerCase()), `sanitized HTML still has ${bad}`);
  }
  assert.match(srcdoc, /Content-Security-Policy" content="default-src 'none'; img-src data:;/);
  assert.equal(await page.evaluate(() => (window as unknown as { pop3wsPwned?: number }).pop3wsPwned), undefined);
  assert.notEqual(await page.title(), 'PWNED');
  assert.deepEqual(dialogs, []);
  assert.deepEqual(foreign, [], 'the page contacted something other than the proxy');
  await page.screenshot({ path: shot('reader-hostile') });
});

test('remote images are blocked until asked for, per message', async () => {
  foreign.length = 0;
  await openMessage('Demo 10: Monthly newsletter with remote images');
  await page.getByText('Remote images are blocked to protect your privacy.').waitFor();
  assert.deepEqual(foreign, []);
  await page.getByRole('button', { name: 'Load remote images' }).click();
  const srcdoc = (await page.locator('iframe.htmlbody').getAttribute('srcdoc')) ?? '';
  assert.match(srcdoc, /img-src data: https: http:/);
  assert.match(srcdoc, /src="http:\/\/127\.0\.0\.1:9\/newsletter\/banner\.jpg"/);
  // And the browser now asks for them (the demo's port 9 answers nothing).
  const requested = () => requestsSoFar().some((u) => u.endsWith('/newsletter/banner.jpg'));
  for (let i = 0; i < 50 && !requested(); i++) await page.waitForTimeout(100);
  assert.ok(requested(), `remote image not requested: ${requestsSoFar().join(', ')}`);
  // Another message starts blocked again.
  await openMessage('Demo 11: Hostile HTML (must be sanitised)');
  await page.getByText('Remote images are blocked to protect your privacy.').waitFor();
});

test('inline cid: image shows; attachments download byte-identical; .eml is the exact message', async () => {
  const expected = await demoExpectations();
  await openMessage('Demo 13: Inline image via cid:');
  const img = page.frameLocator('iframe.htmlbody').getByRole('img', { name: 'pop3ws logo' });
  await img.waitFor();
  assert.ok((await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) > 0, 'cid: image did not load');
  await page.screenshot({ path: shot('reader-cid') });

  await openMessage('Demo 12: Report with PDF and text attachments');
  // The PDF is base64 on the wire and must come out byte for byte. The text
  // part is sent as 7bit: postal-mime hands such parts over with LF line
  // ends (CRLF is only their canonical wire form, RFC 2046 §4.1.1) and keeps
  // the line break before the closing boundary, so compare that form.
  const figuresLf = Buffer.from(expected.figures.toString('latin1').replace(/\r\n/g, '\n') + '\n', 'latin1');
  for (const [name, bytes] of [['report-q3.pdf', expected.pdf], ['figures.txt', figuresLf]] as const) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download ${name}` }).click()]);
    assert.equal(dl.suggestedFilename(), name);
    const got = readFileSync((await dl.path()) as string);
    assert.ok(got.equals(bytes), `${name}: downloaded ${got.length} bytes differ from the ${bytes.length} sent`);
  }
  await page.screenshot({ path: shot('reader-attachments') });

  await openMessage('Demo 01: Welcome to pop3ws');
  const [eml] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save as .eml' }).click()]);
  assert.ok(readFileSync((await eml.path()) as string).equals(expected.eml01), '.eml differs from the message on the server');
  await page.getByRole('button', { name: 'View source' }).click();
  assert.ok((await page.locator('pre.source').innerText()).includes('Message-ID:'));
  await page.getByRole('button', { name: 'Hide source' }).click();
});

test('a 10 MB message streams with a progress bar and is stored', async () => {
  const t0 = Date.now();
  await row('Demo 14: 10 MB holiday photos').click();
  await page.keyboard.press('Enter');
  await page.locator('#reader-subject').filter({ hasText: 'Demo 14' }).waitFor({ timeout: 120_000 });
  const ms = Date.now() - t0;
  assert.ok(await page.getByText('holiday-photos.zip').isVisible());
  console.log(`# 10 MB message read (RETR through the proxy, stored, parsed) in ${ms} ms`);
});

test('delete marks (DELE), undo restores (RSET), commit removes at QUIT', async () => {
  assert.equal(await serverMessageCount(dovecot), 14);
  await row('Demo 01: Welcome to pop3ws').click();
  await page.keyboard.press('Delete');
  const bar = page.getByRole('region', { name: '1 message(s) marked for deletion.' });
  await bar.waitFor();
  assert.ok((await bar.innerText()).includes('POP3 deletes messages only when the session ends (QUIT)'));
  await page.screenshot({ path: shot('delete-pending') });
  await page.getByRole('button', { name: 'Undo (RSET)' }).click();
  await bar.waitFor({ state: 'detached' });
  await row('Demo 01').click();
  await page.keyboard.press('Delete');
  await bar.waitFor();
  await page.getByRole('button', { name: 'Delete now (end session)' }).click();
  await bar.waitFor({ state: 'detached' });
  await row('Demo 01').waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor();
  assert.equal(await list().getByRole('option').count(), 13);
  assert.equal(await serverMessageCount(dovecot), 13);
});

test('offline: with the proxy stopped, a reload opens the stored mailbox and reads stored mail', async () => {
  await proxy.proc.stop();
  await page.reload();
  await row('演示 03：GBK 编码的会议通知').waitFor({ timeout: 30_000 });
  assert.equal(await list().getByRole('option').count(), 13);
  await openMessage('演示 03：GBK 编码的会议通知');
  assert.ok((await page.locator('.textbody').innerText()).includes('下周一上午九点在三楼会议室开会'));
  await page.screenshot({ path: shot('offline') });
  // Storage used is shown and can be freed; a message not stored then
  // cannot be read offline, and the page says why.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.locator('.storage').filter({ hasText: 'in 13 stored messages' }).waitFor();
  await page.getByRole('button', { name: 'Free stored messages (keep the list)' }).click();
  await page.locator('.storage').filter({ hasText: 'in 0 stored messages' }).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  assert.equal(await list().getByRole('option').count(), 13);
  await row('Demo 10').click();
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'not stored on this device' }).waitFor();
  // Back online: "Sign in" from the offline mailbox.
  proxy = await startProxy(dovecot, proxy.port, relay.port);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 30_000 });
  assert.equal(await list().getByRole('option').count(), 13);
});

test('wrong password, untrusted certificate at the proxy and an unreachable proxy are explained in plain words', async () => {
  const c = await newContext(browser);
  const p = await c.newPage();
  await signIn(p, 'not-the-password');
  await p.getByRole('alert').filter({ hasText: 'The server did not accept the user name or password.' }).waitFor({ timeout: 30_000 });
  await p.screenshot({ path: shot('wrong-password') });
  // A loopback port nobody listens on.
  await p.getByLabel('Mail server').selectOption('wrong-ca');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'could not open a verified secure (TLS) connection' }).waitFor({ timeout: 30_000 });
  await p.screenshot({ path: shot('tls-failed') });
  await p.getByLabel('Proxy address').fill(`http://127.0.0.1:${await freePort()}`);
  await p.getByLabel('Proxy address').blur();
  await p.getByText('Could not load the server list from the proxy').waitFor();
  await p.getByLabel('Mail server').fill('demo');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'Cannot reach the proxy' }).waitFor({ timeout: 30_000 }).catch(async (e) => {
    await p.screenshot({ path: shot('unreachable-failed') });
    throw e;
  });
  await c.close();
});

test('an OAuth2 token (XOAUTH2 or OAUTHBEARER) and a chosen mechanism (SCRAM-SHA-256) sign in', async () => {
  assert.ok(dovecot.oauth_tokens_file, 'the harness offers no OAuth token');
  const token = (JSON.parse(readFileSync(dovecot.oauth_tokens_file, 'utf8')) as Record<string, string>).alice ?? '';
  for (const [method, secret, isToken] of [['xoauth2', token, true], ['oauthbearer', token, true], ['scram-sha-256', 'alice-pass', false]] as const) {
    const c = await newContext(browser);
    const p = await c.newPage();
    const sent: string[] = [];
    p.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload).split('\r\n')[0] ?? '')));
    await p.goto(proxy.url + '/');
    await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
    await p.getByLabel('User name').fill('alice');
    if (isToken) await p.getByRole('radio', { name: 'OAuth2 access token' }).check();
    await p.getByRole('textbox', { name: isToken ? 'OAuth2 access token' : 'Password' }).fill(secret);
    await p.getByLabel('Authentication').selectOption(method);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('listbox', { name: 'Messages' }).getByRole('option').first().waitFor({ timeout: 30_000 });
    assert.ok(sent.some((l) => l.toUpperCase().startsWith(`AUTH ${method.toUpperCase()}`)), `${method}: sent ${sent.join(' | ')}`);
    await c.close();
  }
});

test('"remember" keeps the password for the next visit; without it a reload asks again', async () => {
  const c = await newContext(browser);
  const p = await c.newPage();
  await p.goto(proxy.url + '/');
  await p.getByLabel('Mail server').locator('option[value=demo]').waitFor({ state: 'attached' });
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByLabel('Remember password on this device').check();
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 30_000 });
  await p.reload();
  // Signed in again by itself.
  await p.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 30_000 });
  // Signing out forgets it: the next visit opens the stored mailbox offline
  // and asks for the password to connect.
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.reload();
  await p.getByRole('status').filter({ hasText: /· Not connected$/ }).waitFor();
  await p.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await p.getByRole('textbox', { name: 'Password' }).inputValue(), '');
  assert.equal(await p.evaluate(() => localStorage.getItem('pop3ws.secret')), null);
  await c.close();
});

test('phone-sized screen: one pane at a time', async () => {
  const c = await newContext(browser, { width: 390, height: 844 });
  const p = await c.newPage();
  await signIn(p);
  const rows = p.getByRole('listbox', { name: 'Messages' }).getByRole('option');
  await rows.first().waitFor({ timeout: 30_000 });
  await p.screenshot({ path: shot('phone-list') });
  await rows.filter({ hasText: '演示 02' }).click();
  await p.keyboard.press('Enter');
  await p.locator('#reader-subject').waitFor();
  assert.equal(await p.getByRole('listbox', { name: 'Messages' }).isVisible(), false);
  await p.screenshot({ path: shot('phone-reader') });
  await p.getByRole('button', { name: 'Back to list' }).click();
  assert.equal(await p.getByRole('listbox', { name: 'Messages' }).isVisible(), true);
  await c.close();
});

test('connection lost mid-download: the page says so and what was kept', async () => {
  // Target "slow" reaches the same Dovecot through a 1 MB/s relay, so the
  // 10 MB message is still arriving when the proxy dies.
  const c = await newContext(browser);
  const p = await c.newPage();
  await p.goto(proxy.url + '/');
  await p.getByLabel('Mail server').locator('option[value=slow]').waitFor({ state: 'attached' });
  await p.getByLabel('Mail server').selectOption('slow');
  await p.getByLabel('User name').fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const rows = p.getByRole('listbox', { name: 'Messages' }).getByRole('option');
  await p.getByRole('status').filter({ hasText: /· Connected$/ }).waitFor({ timeout: 60_000 });
  await rows.filter({ hasText: '演示 02' }).click();
  await p.keyboard.press('Enter');
  await p.locator('#reader-subject').filter({ hasText: '演示 02' }).waitFor({ timeout: 30_000 });
  await rows.filter({ hasText: 'Demo 14' }).click();
  await p.keyboard.press('Enter');
  await p.getByRole('progressbar', { name: 'Downloading message' }).waitFor({ timeout: 30_000 });
  await proxy.proc.stop('SIGKILL');
  const alert = p.getByRole('alert').filter({ hasText: 'The connection was lost.' });
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.innerText(), /\b1 downloaded message\(s\) are kept on this device and can still be read/);
  await p.screenshot({ path: shot('connection-lost') });
  // What was kept still reads.
  await rows.filter({ hasText: '演示 02' }).click();
  await p.keyboard.press('Enter');
  await p.locator('.textbody').filter({ hasText: '这是一封 UTF-8 编码的简体中文邮件' }).waitFor();
  await c.close();
});
