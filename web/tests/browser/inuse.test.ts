// [IN-USE] in the page: another session holds the mailbox lock (Dovecot with
// pop3_lock_session = yes answers a second login with -ERR [IN-USE], RFC 2449
// §8.1.1). The page must say "in use, try later", not "wrong password", and
// signing in works again once the other session has ended.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  REPO, launchBrowser, newContext, shot, startProcess, startProxy, type Dovecot, type Proc,
} from './support';

async function waitFor<T>(what: string, proc: Proc, fn: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser: Browser;
let dovecot: Dovecot;
let proxy: { proc: Proc; url: string };

before(async () => {
  const proc = startProcess('/usr/bin/python3', ['-m', 'pop3ws_harness', 'dovecot', '--mailbox', 'bulk:5:2000',
    '--user', 'alice', '--password', 'alice-pass', '--extra-config', 'pop3_lock_session = yes'], {
    PYTHONPATH: join(REPO, 'tests', 'harness'),
  });
  const info = await waitFor('private Dovecot', proc, () => {
    const line = proc.output().split('\n').find((l) => l.startsWith('{'));
    return line ? (JSON.parse(line) as Omit<Dovecot, 'proc'>) : null;
  }, 60_000);
  dovecot = { ...info, proc };
  proxy = await startProxy(dovecot);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.proc.stop();
  await dovecot?.proc.stop();
});

// A session of our own that logs in over implicit TLS and keeps the lock
// until it is stopped (the connection then drops and Dovecot unlocks).
function holdLock(d: Dovecot): Proc {
  const script = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="127.0.0.1")
f = s.makefile("rb")
def cmd(line):
    if line: s.sendall(line.encode() + b"\\r\\n")
    reply = f.readline()
    assert reply.startswith(b"+OK"), reply
cmd(""); cmd("USER alice"); cmd("PASS alice-pass")
print("locked", flush=True)
import time
time.sleep(600)
`;
  return startProcess('/usr/bin/python3', ['-c', script, String(d.pop3s_port), d.ca_file]);
}

test('a mailbox locked by another session is "in use, try later", not a wrong password', async () => {
  const holder = holdLock(dovecot);
  await waitFor('lock holder', holder, () => (holder.output().includes('locked') ? true : null), 30_000);
  const c = await newContext(browser);
  const p = await c.newPage();
  await p.goto(proxy.url);
  await p.getByLabel('User name', { exact: true }).fill('alice');
  await p.getByRole('textbox', { name: 'Password' }).fill('alice-pass');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const alert = p.getByRole('alert').filter({ hasText: 'in use by another program or session' });
  await alert.waitFor({ timeout: 60_000 });
  await p.screenshot({ path: shot('in-use') });
  assert.equal(await p.getByText('did not accept the user name or password').count(), 0,
    'a locked mailbox must not be reported as a wrong password');

  await holder.stop();
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByText('Connected').first().waitFor({ timeout: 60_000 });
  await c.close();
});
