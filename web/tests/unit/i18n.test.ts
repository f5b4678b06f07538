import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en, zh } from '../../src/i18n/strings';
import { formatDate } from '../../src/i18n';
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

test('list dates: the time for today, else the day, as toLocale*String gives them', () => {
  const now = new Date(2026, 10, 26, 15, 30);
  for (const lang of ['en', 'zh'] as const) {
    const locale = lang === 'zh' ? 'zh-CN' : 'en';
    const earlier = new Date(2025, 5, 2, 9, 5);
    assert.equal(formatDate(earlier.getTime(), lang, now), earlier.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' }));
    const today = new Date(2026, 10, 26, 8, 7);
    assert.equal(formatDate(today.getTime(), lang, now), today.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }));
    // Same day of another month or year is not today.
    const lastYear = new Date(2025, 10, 26, 8, 7);
    assert.equal(formatDate(lastYear.getTime(), lang, now), lastYear.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' }));
  }
  assert.equal(formatDate(0, 'en', now), '');
  assert.equal(formatDate(Number.NaN, 'en', now), '');
  assert.equal(formatDate(8.64e15 + 1, 'en', now), '');
});
