// The worker's judgement of the way a password takes: page → proxy → mail
// server. A secret goes only if every leg is encrypted or stays on the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, linkSecurity, targetsFrom } from '../../src/protocol/link';

const mayAuth = (proxy: string, target?: { security?: string; local?: boolean }) => {
  const l = linkSecurity(proxy, target);
  return l.encrypted || l.loopback;
};

test('a TLS target through a proxy on this machine or over https: the password may go', () => {
  assert.deepEqual(linkSecurity('http://127.0.0.1:8080', { security: 'tls', local: false }), { encrypted: true, loopback: true });
  assert.equal(mayAuth('https://mail.example.org', { security: 'starttls', local: false }), true);
  assert.equal(mayAuth('http://localhost:8080', { security: 'tls' }), true);
  assert.equal(mayAuth('http://[::1]:8080', { security: 'tls' }), true);
});

test('a clear-text target is safe only on the proxy\'s own machine', () => {
  assert.deepEqual(linkSecurity('http://127.0.0.1:8080', { security: 'none', local: true }), { encrypted: false, loopback: true });
  assert.equal(mayAuth('https://mail.example.org', { security: 'none', local: true }), true);
  assert.equal(mayAuth('https://mail.example.org', { security: 'none', local: false }), false);
  assert.equal(mayAuth('http://127.0.0.1:8080', { security: 'none' }), false);
});

test('a proxy reached over plain http from another machine: nothing secret goes', () => {
  assert.equal(mayAuth('http://192.168.1.5:8080', { security: 'tls', local: false }), false);
  assert.equal(mayAuth('http://mail.example.org', { security: 'tls' }), false);
  assert.equal(mayAuth('not a url', { security: 'tls' }), false);
});

test('a proxy that does not say (older pop3ws-proxy): its default, TLS', () => {
  assert.equal(mayAuth('https://mail.example.org', undefined), true);
  assert.equal(mayAuth('http://127.0.0.1:8080', undefined), true);
  assert.equal(mayAuth('http://10.0.0.2', undefined), false);
});

test('loopback hosts', () => {
  assert.equal(isLoopbackHost('http://127.0.0.1:1'), true);
  assert.equal(isLoopbackHost('http://127.1.2.3'), true);
  assert.equal(isLoopbackHost('http://localhost'), true);
  assert.equal(isLoopbackHost('http://[::1]:9'), true);
  assert.equal(isLoopbackHost('http://127.0.0.1.example.com'), false);
  assert.equal(isLoopbackHost('http://10.0.0.1'), false);
  assert.equal(isLoopbackHost('junk'), false);
});

test('/targets answers are read field by field', () => {
  assert.deepEqual(
    targetsFrom({ targets: [{ name: 'demo', label: 'Demo', security: 'none', local: true }], allowlist: false }),
    [{ name: 'demo', label: 'Demo', security: 'none', local: true }],
  );
  // An older proxy: no security fields; a bare array; junk entries dropped.
  assert.deepEqual(targetsFrom([{ name: 'a' }, null, { label: 'no name' }, { name: 7 }, { name: 'b', security: 1, local: 'yes' }]), [
    { name: 'a', label: '', security: undefined, local: undefined },
    { name: 'b', label: '', security: undefined, local: undefined },
  ]);
  assert.deepEqual(targetsFrom(null), []);
  assert.deepEqual(targetsFrom({ targets: 'x' }), []);
});
