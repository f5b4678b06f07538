import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginError } from '../../src/worker/errors';
import { closeKind, QUIT_STALL_MS, quitPatienceMs, STALL_MS } from '../../src/worker/connection';

test('login failures: response codes are not wrong passwords', () => {
  assert.equal(loginError({ code: 'IN-USE', text: 'locked' }).kind, 'in-use');
  assert.equal(loginError({ code: 'LOGIN-DELAY', text: 'wait' }).kind, 'login-delay');
  assert.equal(loginError({ code: 'SYS/TEMP', text: '' }).kind, 'server-trouble');
  assert.equal(loginError({ code: 'SYS/PERM', text: '' }).kind, 'server-trouble');
  assert.equal(loginError({ code: 'AUTH', text: 'bad' }).kind, 'wrong-password');
  assert.equal(loginError({ code: '', text: 'Authentication failed.' }).kind, 'wrong-password');
  assert.equal(loginError({ code: 'IN-USE', text: 'locked' }).detail, 'locked');
});

test('proxy close codes map to what the user is told', () => {
  assert.equal(closeKind(4000, true), 'unknown-target');
  assert.equal(closeKind(4001, true), 'unknown-target');
  assert.equal(closeKind(4002, true), 'server-unreachable');
  assert.equal(closeKind(4003, true), 'tls-failed');
  assert.equal(closeKind(4004, true), 'tls-failed');
  assert.equal(closeKind(4005, true), 'tls-failed');
  assert.equal(closeKind(4008, true), 'limit-reached');
  assert.equal(closeKind(4009, true), 'connection-lost');
  assert.equal(closeKind(1000, true), 'connection-lost');
  assert.equal(closeKind(1006, false), 'proxy-unreachable');
  assert.equal(closeKind(1006, true), 'connection-lost');
});

test('only a QUIT that left alone and commits deletions is given the expunge time (RFC 1939 §6)', () => {
  assert.equal(quitPatienceMs(true, 2000), QUIT_STALL_MS);
  assert.equal(quitPatienceMs(true, 0), STALL_MS);
  // Pipelined behind other commands, a server that drops what arrives
  // together (o2.pl) may have dropped it: no extra patience.
  assert.equal(quitPatienceMs(false, 2000), STALL_MS);
  assert.ok(QUIT_STALL_MS > STALL_MS);
});
