// Shared pieces of the browser tests: Debian's Chromium through
// playwright-core (never a downloaded browser), child processes (private
// Dovecot from tests/harness, pop3ws-proxy), free loopback ports, and
// screenshots in web/test-results/.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO = resolve(WEB, '..');
export const RESULTS = join(WEB, 'test-results');
mkdirSync(RESULTS, { recursive: true });

export const CHROMIUM = process.env.POP3WS_CHROMIUM ?? '/usr/bin/chromium';

/** The built web app the proxy serves (`vite build`); another build with POP3WS_WEB_ROOT. */
export const WEB_ROOT = resolve(process.env.POP3WS_WEB_ROOT ?? join(WEB, 'dist'));

/** Headless Chromium as root on a machine without network (see README). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/setup.sh (Debian package chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** A fresh profile-like context (its own storage, service workers, cache). */
export async function newContext(browser: Browser, opts: { locale?: string; width?: number; height?: number } = {}): Promise<BrowserContext> {
  return browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    acceptDownloads: true,
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor<T>(what: string, proc: Proc | null, fn: () => Promise<T | null> | T | null, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${what}: process exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output().slice(-3000)}`);
    }
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms:\n${proc?.output().slice(-3000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Dovecot {
  proc: Proc;
  host: string;
  pop3_port: number;
  pop3s_port: number;
  ca_file: string;
  other_ca_file: string;
  workdir: string;
  oauth_tokens_file?: string;
}

/** The private Dovecot of tests/harness with a generated mailbox. */
export async function startDovecot(mailbox = 'demo', user = 'alice', password = 'alice-pass'): Promise<Dovecot> {
  const proc = startProcess('/usr/bin/python3', ['-m', 'pop3ws_harness', 'dovecot', '--mailbox', mailbox, '--user', user, '--password', password], {
    PYTHONPATH: join(REPO, 'tests', 'harness'),
  });
  const info = await waitFor('private Dovecot', proc, () => {
    const line = proc.output().split('\n').find((l) => l.startsWith('{'));
    return line ? (JSON.parse(line) as Omit<Dovecot, 'proc'>) : null;
  }, 60_000);
  return { ...info, proc };
}

export function proxyBinary(): string {
  const candidates = [
    process.env.POP3WS_PROXY_BIN,
    join(REPO, 'build', 'debug', 'proxy', 'pop3ws-proxy'),
    join(REPO, 'build', 'release', 'proxy', 'pop3ws-proxy'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`pop3ws-proxy not built (looked at ${candidates.join(', ')}); build the debug preset or set POP3WS_PROXY_BIN`);
  return found;
}

/** The harness's delay relay in front of a port, with a bandwidth cap. */
export async function startRelay(targetPort: number, rateBytesPerSecond: number): Promise<{ proc: Proc; port: number }> {
  const proc = startProcess(
    '/usr/bin/python3',
    ['-m', 'pop3ws_harness', 'delayrelay', '--target', `127.0.0.1:${targetPort}`, '--delay-ms', '1', '--rate', String(rateBytesPerSecond)],
    { PYTHONPATH: join(REPO, 'tests', 'harness') },
  );
  const info = await waitFor('delay relay', proc, () => {
    const line = proc.output().split('\n').find((l) => l.startsWith('{'));
    return line ? (JSON.parse(line) as { port: number }) : null;
  });
  return { proc, port: info.port };
}

/**
 * pop3ws-proxy serving WEB_ROOT (web/dist), with the Dovecot as target "demo", the same
 * Dovecot behind an untrusted CA as "wrong-ca", and, given a relay port, the
 * same Dovecot through that relay as "slow". `extraOrigins` are allowed beside the
 * proxy's own (pages loaded under another host name).
 */
export async function startProxy(
  d: Dovecot,
  port?: number,
  relayPort?: number,
  plainTargets: { name: string; port: number }[] = [],
  extraOrigins: string[] = [],
): Promise<{ proc: Proc; url: string; port: number }> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const dir = mkdtempSync(join(tmpdir(), 'pop3ws-web-test-'));
  const config = join(dir, 'proxy.toml');
  writeFileSync(
    config,
    [
      `listen = ["127.0.0.1:${p}"]`,
      `allowed_origins = ${JSON.stringify([url, ...extraOrigins])}`,
      '[http]',
      `web_root = ${JSON.stringify(WEB_ROOT)}`,
      '[[targets]]',
      'name = "demo"',
      'label = "Demo mailbox (private Dovecot)"',
      `host = "127.0.0.1"`,
      `port = ${d.pop3s_port}`,
      'security = "tls"',
      `ca_file = ${JSON.stringify(d.ca_file)}`,
      'server_name = "localhost"',
      'allow_private = true',
      // The same server, but trusting an unrelated CA: verification fails.
      '[[targets]]',
      'name = "wrong-ca"',
      'label = "Demo mailbox, certificate not trusted"',
      `host = "127.0.0.1"`,
      `port = ${d.pop3s_port}`,
      'security = "tls"',
      `ca_file = ${JSON.stringify(d.other_ca_file)}`,
      'server_name = "localhost"',
      'allow_private = true',
      ...(relayPort
        ? [
            '[[targets]]',
            'name = "slow"',
            'label = "Demo mailbox over a slow link"',
            'host = "127.0.0.1"',
            `port = ${relayPort}`,
            'security = "tls"',
            `ca_file = ${JSON.stringify(d.ca_file)}`,
            'server_name = "localhost"',
            'allow_private = true',
          ]
        : []),
      // Scripted servers on loopback, no TLS (tests of hostile server bytes).
      ...plainTargets.flatMap((t) => [
        '[[targets]]',
        `name = ${JSON.stringify(t.name)}`,
        `label = ${JSON.stringify(t.name)}`,
        'host = "127.0.0.1"',
        `port = ${t.port}`,
        'security = "none"',
        'allow_private = true',
      ]),
      '',
    ].join('\n'),
  );
  const proc = startProcess(proxyBinary(), ['-c', config]);
  // The config is read at start; its folder goes with the process (the fault
  // test starts a proxy per kill, hundreds in its long mode).
  proc.child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  await waitFor('pop3ws-proxy', proc, async () => {
    try {
      const r = await fetch(`${url}/healthz`);
      return r.ok ? true : null;
    } catch {
      return null;
    }
  });
  return { proc, url, port: p };
}

/** Messages left in the mailbox, asked over POP3 (STAT) with Python's poplib. */
export async function serverMessageCount(d: Dovecot, user = 'alice', password = 'alice-pass'): Promise<number> {
  const script = [
    'import poplib, ssl, sys',
    `ctx = ssl.create_default_context(cafile=${JSON.stringify(d.ca_file)})`,
    `p = poplib.POP3_SSL("127.0.0.1", ${d.pop3s_port}, context=ctx)`,
    `p.user(${JSON.stringify(user)}); p.pass_(${JSON.stringify(password)})`,
    'print(p.stat()[0]); p.quit()',
  ].join('\n');
  const proc = startProcess('/usr/bin/python3', ['-c', script]);
  await new Promise<void>((r) => proc.child.once('exit', () => r()));
  const n = Number(proc.output().trim());
  if (!Number.isInteger(n)) throw new Error(`STAT failed: ${proc.output()}`);
  return n;
}

export function shot(name: string): string {
  return join(RESULTS, `${name}.png`);
}

/** Bytes the tests compare against, straight from the harness's generator. */
export async function demoExpectations(): Promise<{ eml01: Buffer; pdf: Buffer; figures: Buffer }> {
  const script = [
    'import base64, email, json',
    'from email import policy',
    'from pop3ws_harness import mailgen',
    'msgs = mailgen.demo()',
    'm = email.message_from_bytes(msgs[11], policy=policy.compat32)',
    'parts = {p.get_filename(): p.get_payload(decode=True) for p in m.walk() if p.get_filename()}',
    'print(json.dumps({"eml01": base64.b64encode(msgs[0]).decode(),',
    '  "pdf": base64.b64encode(parts["report-q3.pdf"]).decode(),',
    '  "figures": base64.b64encode(parts["figures.txt"]).decode()}))',
  ].join('\n');
  const proc = startProcess('/usr/bin/python3', ['-c', script], { PYTHONPATH: join(REPO, 'tests', 'harness') });
  await new Promise<void>((r) => proc.child.once('exit', () => r()));
  const line = proc.output().split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`mailgen failed: ${proc.output()}`);
  const j = JSON.parse(line) as Record<string, string>;
  return { eml01: Buffer.from(j.eml01 ?? '', 'base64'), pdf: Buffer.from(j.pdf ?? '', 'base64'), figures: Buffer.from(j.figures ?? '', 'base64') };
}

/**
 * A Python helper driven by JSON lines on stdin (one JSON line answered per
 * command); its first line describes what it started.
 */
export async function startDriven<I>(
  script: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ proc: Proc; info: I; ask: (cmd: object) => Promise<Record<string, unknown>> }> {
  const child = spawn('/usr/bin/python3', [script], {
    env: { ...process.env, PYTHONPATH: join(REPO, 'tests', 'harness'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    child,
    output: () => errors,
    stop: async () => {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const lines = createInterface({ input: child.stdout });
  const waiting: ((l: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (l) => {
    if (!l.startsWith('{')) return;
    const w = waiting.shift();
    if (w) w(l);
    else early.push(l);
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const e = early.shift();
      if (e !== undefined) return resolve(e);
      const timer = setTimeout(() => reject(new Error(`${script} silent:\n${errors}`)), 90_000);
      waiting.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
  const info = JSON.parse(await next()) as I;
  const ask = async (cmd: object) => {
    child.stdin.write(JSON.stringify(cmd) + '\n');
    return JSON.parse(await next()) as Record<string, unknown>;
  };
  return { proc, info, ask };
}

/**
 * Resident memory (bytes) of the Chromium processes this test process
 * started (its descendants in /proc): the page and its worker live in them.
 */
export function chromiumRss(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = /^PPid:\s+(\d+)/m.exec(status);
      const vm = /^VmRSS:\s+(\d+) kB/m.exec(status);
      const comm = /^Name:\s+(.*)$/m.exec(status);
      if (!ppid) continue;
      parent.set(Number(name), Number(ppid[1]));
      if (vm && comm && /chrom/i.test(comm[1] ?? '')) rss.set(Number(name), Number(vm[1]) * 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}
