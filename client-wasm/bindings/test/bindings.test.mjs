// The embind bindings under node: the real codec compiled to WebAssembly,
// driven with the bytes of POP3 sessions (RFC 1939). Run by ctest (wasm
// preset) with POP3WS_CODEC_MJS pointing at the built pop3ws_codec.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCodec } from '../pop3ws.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mjs = process.env.POP3WS_CODEC_MJS ?? resolve(here, '../../../build/wasm/client-wasm/bindings/pop3ws_codec.mjs');
// Emscripten 3.1.6's ES module output still uses CommonJS globals when it
// runs under node; give it those, and the .wasm bytes directly.
globalThis.require = createRequire(import.meta.url);
globalThis.__dirname = dirname(mjs);
const { default: factory } = await import(pathToFileURL(mjs).href);
const codec = await loadCodec(factory, { wasmBinary: readFileSync(mjs.replace(/\.mjs$/, '.wasm')) });

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s) => enc.encode(s);

function session(settings = {}) {
  const s = codec.createSession(settings);
  s.setLink(true, false);
  return s;
}

function feedAll(s, data, events = []) {
  const err = s.feed(typeof data === 'string' ? bytes(data) : data, (e) => events.push(e));
  assert.equal(err, null);
  return events;
}

const out = (s) => dec.decode(s.takeOutput());

/** A session logged in with USER/PASS and in the TRANSACTION state. */
function loggedIn(settings) {
  const s = session(settings);
  feedAll(s, '+OK ready\r\n');
  assert.equal(s.capa(), null);
  assert.equal(out(s), 'CAPA\r\n');
  feedAll(s, '+OK\r\nUSER\r\nUIDL\r\nTOP\r\nPIPELINING\r\n.\r\n');
  assert.equal(s.login({ method: 'user', user: 'alice', secret: 'pw' }), null);
  // With PIPELINING advertised, USER and PASS may leave together.
  let sent = out(s);
  const ev = feedAll(s, '+OK\r\n');
  sent += out(s);
  assert.equal(sent, 'USER alice\r\nPASS pw\r\n');
  feedAll(s, '+OK logged in\r\n', ev);
  assert.ok(ev.some((e) => e.type === 'reply' && e.command === 'PASS' && e.ok));
  assert.equal(s.state, 'TRANSACTION');
  // The codec asks CAPA again after login (RFC 2449 §5).
  if (out(s) === 'CAPA\r\n') feedAll(s, '+OK\r\nUSER\r\nUIDL\r\nTOP\r\nPIPELINING\r\n.\r\n');
  return s;
}

test('greeting with an APOP timestamp, as a plain object', () => {
  const s = session();
  assert.equal(s.state, 'GREETING');
  const ev = feedAll(s, '+OK POP3 ready <1896.697170952@dbc.mil>\r\n');
  assert.deepEqual(ev, [{ type: 'greeting', ok: true, text: 'POP3 ready <1896.697170952@dbc.mil>', apopTimestamp: '<1896.697170952@dbc.mil>' }]);
  assert.equal(s.apopTimestamp, '<1896.697170952@dbc.mil>');
  assert.equal(s.state, 'AUTHORIZATION');
  s.close();
});

test('input through the WASM-owned view: byte by byte equals all at once', () => {
  const wire = '+OK hi\r\n';
  const whole = feedAll(session(), wire);
  const s = session();
  const events = [];
  for (const b of bytes(wire)) {
    const r = s.raw.inputView(1);
    assert.ok(r.view instanceof Uint8Array && r.view.length === 1);
    r.view[0] = b;
    assert.equal(s.raw.commitInput(1), null);
    s.drain((e) => events.push(e));
  }
  assert.deepEqual(events, whole);
  s.close();
});

test('RETR body chunks are unstuffed copies that concatenate to the message', () => {
  const s = loggedIn();
  // A message with dot-stuffed lines (RFC 1939 §3) and enough bytes to grow
  // WASM memory while chunks are held.
  const lines = ['Subject: dots', '', '.leading dot', '..', 'x'.repeat(1000)];
  for (let i = 0; i < 400; i++) lines.push(`line ${i} ${'y'.repeat(500)}`);
  const message = lines.join('\r\n') + '\r\n';
  const stuffed = message.split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
  assert.equal(s.retr(1), null);
  assert.equal(out(s), 'RETR 1\r\n');
  const wire = bytes(`+OK ${message.length} octets\r\n${stuffed}.\r\n`);
  const events = [];
  // Uneven slices, so chunk and line boundaries fall everywhere.
  for (let off = 0, step = 1; off < wire.length; off += step, step = (step * 7) % 4093 + 1) {
    feedAll(s, wire.subarray(off, Math.min(wire.length, off + step)), events);
  }
  const chunks = events.filter((e) => e.type === 'body');
  assert.ok(chunks.length > 1);
  const total = chunks.reduce((n, c) => n + c.data.length, 0);
  const joined = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    assert.equal(c.command, 'RETR');
    assert.equal(c.message, 1);
    joined.set(c.data, o);
    o += c.data.length;
  }
  assert.equal(dec.decode(joined), message);
  const last = events.at(-1);
  assert.deepEqual(last, { type: 'multiline-end', command: 'RETR', message: 1 });
  s.close();
});

test('errors are values: wrong state, injection, unknown mechanism', () => {
  const s = session();
  feedAll(s, '+OK ready\r\n');
  const wrong = s.retr(1);
  assert.equal(wrong.code, 'wrong-state');
  assert.equal(typeof wrong.detail, 'string');
  assert.equal(s.user('alice\r\nDELE 1').code, 'argument-injection');
  assert.equal(s.login({ method: 'no-such', user: 'a', secret: 'b' }).code, 'unsupported-mechanism');
  assert.equal(out(s), '', 'a refused command sends nothing');
  const line = s.submitLine('RETR 2');
  assert.equal(line.error.code, 'wrong-state');
  s.close();
});

test('response codes: [IN-USE] on PASS is not a wrong password', () => {
  const s = session();
  feedAll(s, '+OK ready\r\n');
  assert.equal(s.login({ method: 'user', user: 'alice', secret: 'pw' }), null);
  out(s);
  feedAll(s, '+OK\r\n');
  out(s);
  const ev = feedAll(s, '-ERR [IN-USE] mailbox locked\r\n');
  const reply = ev.find((e) => e.type === 'reply' && e.command === 'PASS');
  assert.equal(reply.ok, false);
  assert.equal(reply.code, 'IN-USE');
  assert.equal(reply.text, 'mailbox locked');
  s.close();
});

test('UIDL and LIST listings, STAT detail, pipelined', () => {
  const s = loggedIn();
  assert.equal(s.stat(), null);
  assert.equal(s.uidl(), null);
  assert.equal(s.list(), null);
  assert.equal(s.list(2), null);
  assert.equal(out(s), 'STAT\r\nUIDL\r\nLIST\r\nLIST 2\r\n');
  const ev = feedAll(s, '+OK 2 320\r\n+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2   QhdPYR:00WBw1Ph7x7\r\n.\r\n+OK\r\n1 120\r\n2 200\r\n.\r\n+OK 2 200\r\n');
  const stat = ev.find((e) => e.type === 'reply' && e.command === 'STAT');
  assert.deepEqual(stat.detail, { kind: 'stat', count: 2, octets: 320 });
  assert.deepEqual(ev.filter((e) => e.type === 'uidl-item').map((e) => [e.message, e.uid]), [[1, 'whqtswO00WBw418f9t5JxYwZ'], [2, 'QhdPYR:00WBw1Ph7x7']]);
  assert.deepEqual(ev.filter((e) => e.type === 'list-item').map((e) => [e.message, e.octets]), [[1, 120], [2, 200]]);
  const one = ev.filter((e) => e.type === 'reply' && e.command === 'LIST').at(-1);
  assert.deepEqual(one.detail, { kind: 'list', message: 2, octets: 200 });
  s.close();
});

test('transcript redacts the password', () => {
  const s = loggedIn({ transcriptCapacity: 100 });
  const t = s.takeTranscript();
  assert.ok(t.length > 0);
  assert.ok(t.some((e) => e.direction === 'C' && e.text.startsWith('PASS')));
  assert.ok(!t.some((e) => e.text.includes('pw') && e.text.startsWith('PASS')), 'password leaked into the transcript');
  s.close();
});

test('DELE, RSET, QUIT end the session cleanly', () => {
  const s = loggedIn();
  assert.equal(s.dele(1), null);
  assert.equal(s.rset(), null);
  assert.equal(s.dele(2), null);
  assert.equal(s.quit(), null);
  assert.equal(out(s), 'DELE 1\r\nRSET\r\nDELE 2\r\nQUIT\r\n');
  const ev = feedAll(s, '+OK\r\n+OK\r\n+OK\r\n+OK bye\r\n');
  s.eof((e) => ev.push(e));
  assert.deepEqual(ev.filter((e) => e.type === 'reply').map((e) => e.command), ['DELE', 'RSET', 'DELE', 'QUIT']);
  assert.ok(ev.some((e) => e.type === 'closed' && e.clean));
  assert.equal(s.state, 'CLOSED');
  s.close();
});

test('a malformed reply is a protocol error and the session stays failed', () => {
  const s = loggedIn();
  assert.equal(s.noop(), null);
  out(s);
  const ev = feedAll(s, 'HELLO?\r\n');
  const pe = ev.find((e) => e.type === 'protocol-error');
  assert.ok(pe, JSON.stringify(ev));
  assert.equal(pe.error.code, 'malformed-response');
  assert.equal(s.failure.code, 'malformed-response');
  assert.equal(s.state, 'FAILED');
  assert.ok(s.noop(), 'commands after a failure are refused as values');
  s.close();
});

test('a typed PASS over a clear-text remote link: refused unless allowInsecureAuth (RFC 8314 §5)', () => {
  for (const allow of [false, true]) {
    const s = codec.createSession({ allowInsecureAuth: allow });
    s.setLink(false, false);
    feedAll(s, '+OK ready\r\n');
    assert.equal(s.submitLine('USER alice').error, undefined);
    feedAll(s, '+OK\r\n');
    const r = s.submitLine('PASS pw');
    if (allow) {
      assert.equal(r.error, undefined);
      assert.equal(out(s), 'USER alice\r\nPASS pw\r\n');
    } else {
      assert.equal(r.error.code, 'insecure-auth');
      assert.equal(out(s), 'USER alice\r\n', 'a refused PASS sends nothing');
    }
    s.close();
  }
});
