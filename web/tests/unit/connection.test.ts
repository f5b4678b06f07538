// Pop3Connection's sending and waiting, with a fake WebSocket and a fake
// codec session (the real codec has its own tests, native and WASM): what
// leaves in which WebSocket message, and when QUIT goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pop3Connection } from '../../src/worker/connection';
import type { Pop3Session } from '../../../client-wasm/bindings/pop3ws.mjs';

class FakeSocket {
  static OPEN = 1;
  static last: FakeSocket | null = null;
  readyState = 1;
  binaryType = '';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((c: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeSocket.last = this;
  }
  send(b: Uint8Array) {
    this.sent.push(new TextDecoder().decode(b));
  }
  close() {
    this.readyState = 3;
  }
  /** The server's bytes arrive. */
  receive(text: string) {
    this.onmessage?.({ data: new TextEncoder().encode(text).buffer as ArrayBuffer });
  }
}
(globalThis as unknown as { WebSocket: unknown }).WebSocket = FakeSocket;

/** Commands queue as text; each "+OK" line received answers the oldest one (single-line replies only). */
function fakeSession(): Pop3Session {
  let out = '';
  const waiting: string[] = [];
  const queue = (cmd: string) => {
    out += `${cmd}\r\n`;
    waiting.push(cmd.split(' ')[0] as string);
    return null;
  };
  const fake = {
    setLink() {},
    get pipeliningActive() {
      return true;
    },
    get state() {
      return 'TRANSACTION';
    },
    get capabilities() {
      return {};
    },
    takeOutput() {
      const b = new TextEncoder().encode(out);
      out = '';
      return b;
    },
    takeTranscript() {
      return [];
    },
    feed(bytes: Uint8Array, onEvent: (ev: unknown) => void) {
      for (const line of new TextDecoder().decode(bytes).split('\r\n').filter(Boolean)) {
        if (line.startsWith('+OK ready')) onEvent({ type: 'greeting', ok: true, text: line });
        else onEvent({ type: 'reply', command: waiting.shift(), ok: line.startsWith('+OK'), multiline: false, code: '', text: line });
      }
      return null;
    },
    eof() {},
    retr: (n: number) => queue(`RETR ${n}`),
    dele: (n: number) => queue(`DELE ${n}`),
    noop: () => queue('NOOP'),
    quit: () => queue('QUIT'),
  };
  return fake as unknown as Pop3Session;
}

async function opened(): Promise<{ conn: Pop3Connection; ws: FakeSocket }> {
  const conn = new Pop3Connection(fakeSession());
  const greeting = conn.open('ws://127.0.0.1:1/pop3/x', true, true);
  const ws = FakeSocket.last as FakeSocket;
  ws.onopen?.();
  ws.receive('+OK ready\r\n');
  await greeting;
  return { conn, ws };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('commands issued in one task leave in one WebSocket message (RFC 2449 §6.6)', async () => {
  const { conn, ws } = await opened();
  const replies = [conn.noop(), conn.dele(1), conn.dele(2)];
  assert.deepEqual(ws.sent, [], 'nothing is sent before the task ends');
  await tick();
  assert.deepEqual(ws.sent, ['NOOP\r\nDELE 1\r\nDELE 2\r\n']);
  ws.receive('+OK\r\n+OK\r\n+OK\r\n');
  await Promise.all(replies);
  conn.close();
});

test('QUIT waits for every reply already due and then leaves alone', async () => {
  const { conn, ws } = await opened();
  void conn.dele(1);
  void conn.dele(2);
  const bye = conn.quit();
  await tick();
  assert.deepEqual(ws.sent, ['DELE 1\r\nDELE 2\r\n'], 'QUIT went out with the DELEs');
  ws.receive('+OK\r\n');
  await tick();
  assert.equal(ws.sent.length, 1, 'QUIT went out before the last reply');
  ws.receive('+OK\r\n');
  await tick();
  await tick();
  assert.deepEqual(ws.sent, ['DELE 1\r\nDELE 2\r\n', 'QUIT\r\n']);
  ws.receive('+OK bye\r\n');
  assert.equal((await bye).ok, true);
  conn.close();
});
