import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoticeCoalescer } from '../../src/worker/coalesce';
import type { Notice, Summary } from '../../src/protocol/messages';

const summary = (uid: string, downloaded: boolean): Summary => ({
  accountId: 'a',
  uid,
  size: 1,
  firstSeen: 0,
  fromName: '',
  fromAddress: '',
  subject: '',
  date: 0,
  attachmentHint: false,
  downloaded,
  markedForDeletion: false,
});
const progress = (done: number) => ({ type: 'progress' as const, what: 'message' as const, done, total: 10 });

test('many batches within the interval become one progress and one summaries notice', async () => {
  const sent: Notice[] = [];
  const c = new NoticeCoalescer('a', (n) => sent.push(n), 20);
  c.add([summary('1', false)], progress(1));
  c.add([summary('2', true)], progress(2));
  c.add([summary('1', true)], progress(3));
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(sent[0], progress(3));
  assert.equal(sent.length, 2);
  const s = sent[1] as Extract<Notice, { type: 'summaries' }>;
  assert.deepEqual(s.summaries.map((x) => [x.uid, x.downloaded]), [['1', true], ['2', true]]);
});

test('flush sends what waits at once, and nothing twice', async () => {
  const sent: Notice[] = [];
  const c = new NoticeCoalescer('a', (n) => sent.push(n), 1000);
  c.add([summary('1', true)], progress(10));
  c.flush();
  assert.equal(sent.length, 2);
  c.flush();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent.length, 2);
});
