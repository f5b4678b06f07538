import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginError } from '../../src/worker/errors';
import { closeKind } from '../../src/worker/connection';

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
