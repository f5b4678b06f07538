import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en, zh } from '../../src/i18n/strings';
import type { ErrorKind } from '../../src/protocol/messages';

test('every string has an English and a Chinese text', () => {
  for (const k of Object.keys(en) as (keyof typeof en)[]) {
    assert.ok(en[k].trim().length > 0, `en.${k} empty`);
    assert.ok(zh[k]?.trim().length > 0, `zh.${k} missing`);
    // Placeholders must match so neither language drops a number.
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    assert.equal(ph(zh[k]), ph(en[k]), `placeholders differ in ${k}`);
  }
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test('every worker error kind has words for people', () => {
  const kinds: Record<ErrorKind, true> = {
    'wrong-password': true, 'in-use': true, 'login-delay': true, 'server-trouble': true,
    'proxy-unreachable': true, 'server-unreachable': true, 'tls-failed': true, 'unknown-target': true, 'limit-reached': true,
    'connection-lost': true, protocol: true, 'codec-missing': true, 'not-connected': true,
    'not-stored': true, storage: true, refused: true, 'insecure-link': true, stalled: true, 'closed-at-login': true, 'too-large': true,
  };
  for (const k of Object.keys(kinds)) assert.ok(`err_${k}` in en, `no text for error ${k}`);
});
