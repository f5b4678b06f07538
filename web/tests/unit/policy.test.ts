import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, dueForDeletion } from '../../src/worker/policy';

const now = Date.UTC(2026, 0, 31);

test('nothing is deleted from the server before it is stored', () => {
  for (const policy of [{ kind: 'leave' as const }, { kind: 'after-download' as const }, { kind: 'after-days' as const, days: 0 }]) {
    assert.equal(dueForDeletion({ downloaded: false, firstSeen: 0 }, policy, now), false);
  }
});

test('leave on server never deletes; delete after download always does', () => {
  assert.equal(dueForDeletion({ downloaded: true, firstSeen: 0 }, { kind: 'leave' }, now), false);
  assert.equal(dueForDeletion({ downloaded: true, firstSeen: now }, { kind: 'after-download' }, now), true);
});

test('remove after N days counts from when the UIDL was first seen', () => {
  const policy = { kind: 'after-days' as const, days: 14 };
  assert.equal(dueForDeletion({ downloaded: true, firstSeen: now - 14 * DAY_MS + 1 }, policy, now), false);
  assert.equal(dueForDeletion({ downloaded: true, firstSeen: now - 14 * DAY_MS }, policy, now), true);
});
