// The list's summaries are read from `TOP n 0` headers without a full
// postal-mime parse (worker/headers.ts). These tests hold that reading to a
// full postal-mime parse of the same prepared bytes, on ordinary and on
// awkward header blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { prepareForParsing } from '../../src/mail/charset';
import { headerFields } from '../../src/worker/headers';
import { summarize } from '../../src/worker/parse';

const enc = new TextEncoder();
const crlf = (s: string) => enc.encode(s.replace(/\n/g, '\r\n'));
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
// "你好" in GBK.
const GBK_NIHAO = Uint8Array.from([0xc4, 0xe3, 0xba, 0xc3]);

const base = { accountId: 'a', uid: 'u', size: 123, firstSeen: 5 };

/** The summary as a full postal-mime parse gives it (the former way). */
async function reference(header: Uint8Array, fallback: string) {
  const email = await PostalMime.parse(prepareForParsing(header, fallback), { attachmentEncoding: 'arraybuffer' });
  const a = email.from;
  const from = !a ? { name: '', address: '' } : a.group ? { name: a.group[0]?.name || a.name, address: a.group[0]?.address ?? '' } : { name: a.name, address: a.address ?? '' };
  const t = email.date ? Date.parse(email.date) : NaN;
  const ctype = email.headers.find((h) => h.key === 'content-type')?.value.toLowerCase() ?? '';
  return {
    fromName: from.name,
    fromAddress: from.address,
    subject: email.subject ?? '',
    date: Number.isFinite(t) ? t : 0,
    attachmentHint: ctype.startsWith('multipart/mixed'),
  };
}

const CASES: [string, Uint8Array][] = [
  ['plain', crlf('From: Alice Example <alice@example.org>\nTo: bob@example.org\nSubject: Hello\nDate: Tue, 3 Mar 2026 10:00:00 +0000\nContent-Type: text/plain\n\n')],
  ['LF line ends', enc.encode('From: alice@example.org\nSubject: Bare LF\nDate: 3 Mar 2026 10:00 +0100\n\n')],
  ['folded subject and from', crlf('From: "Example, Alice"\n <alice@example.org>\nSubject: a long\n\tsubject   folded\n  twice\nDate: Tue, 3 Mar 2026\n 10:00:00 +0000\n\n')],
  ['encoded words', crlf('From: =?utf-8?B?5byg5LiJ?= <zhang@example.cn>\nSubject: =?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_au_lait?=\n\n')],
  ['split GBK encoded words', crlf('Subject: =?gbk?B?xOM=?= =?gbk?B?usM=?=\nFrom: x@example.cn\n\n')],
  ['undeclared 8-bit GBK', cat(crlf('From: a@example.cn\nSubject: '), GBK_NIHAO, crlf('\nDate: Wed, 4 Mar 2026 08:00:00 +0800\n\n'))],
  ['group address', crlf('From: Team: Carol <carol@example.org>, Dan <dan@example.org>;\nSubject: group\n\n')],
  ['empty group', crlf('From: undisclosed-recipients:;\nSubject: nobody\n\n')],
  ['address with comment', crlf('From: carol@example.org (Carol C.)\n\n')],
  ['no From, no Subject, no Date', crlf('X-Other: 1\n\n')],
  ['empty From and Subject', crlf('From:\nSubject:   \nDate:\n\n')],
  ['invalid date', crlf('From: a@b.c\nDate: not a date\n\n')],
  ['duplicate fields: first wins', crlf('From: first@example.org\nFrom: second@example.org\nSubject: one\nSubject: two\nContent-Type: multipart/mixed; boundary=x\nContent-Type: text/plain\n\n')],
  ['multipart/mixed hint', crlf('Content-Type: Multipart/Mixed;\n boundary="b1"\nSubject: with attachment\n\n')],
  ['key case and blanks', crlf('FROM  : a@example.org\nsubject:\t tabbed \t\n\n')],
  ['line without colon', crlf('From a@example.org Tue Mar  3 10:00:00 2026\nFrom: real@example.org\n\n')],
  ['leading folded line', crlf(' leading: blank\nFrom: a@example.org\n\n')],
  ['bare CR inside a line', crlf('Subject: one\rtwo\nFrom: a@example.org\n\n')],
  ['CR-only blank line ends headers', enc.encode('Subject: cr\r\n\r\r\nFrom: ignored@example.org\r\n\r\n')],
  ['no blank line (headers to the end)', crlf('From: a@example.org\nSubject: no end')],
  ['body after the headers', crlf('From: a@example.org\nSubject: s\n\nFrom: body@example.org\n')],
  ['empty', new Uint8Array(0)],
  ['BOM', cat(Uint8Array.from([0xef, 0xbb, 0xbf]), crlf('From: bom@example.org\nSubject: bom\n\n'))],
  ['non-breaking space start', crlf('Subject: x\n\u00a0From: nbsp@example.org\n\n')],
];

for (const [name, bytes] of CASES) {
  test(`summary matches a full postal-mime parse: ${name}`, async () => {
    for (const fallback of ['auto', 'windows-1252', 'gb18030']) {
      const s = await summarize(bytes, base, fallback);
      const want = await reference(bytes, fallback);
      assert.deepEqual(
        { fromName: s.fromName, fromAddress: s.fromAddress, subject: s.subject, date: s.date, attachmentHint: s.attachmentHint },
        want,
        `fallback ${fallback}`,
      );
      assert.equal(s.uid, 'u');
      assert.equal(s.downloaded, false);
    }
  });
}

test('a header block larger than postal-mime accepts is left to it (and refused)', async () => {
  const huge = crlf(`Subject: ${'x'.repeat(2 * 1024 * 1024 + 10)}\n\n`);
  assert.equal(headerFields(huge), null);
  await assert.rejects(summarize(huge, base, 'auto'));
});

test('header fields are unfolded and trimmed, keys lower case', () => {
  assert.deepEqual(headerFields(crlf('Subject: a\n  b\nX-Y :  z \n\nBody: no\n')), [
    { key: 'subject', value: 'a  b' },
    { key: 'x-y', value: 'z' },
  ]);
});

test('undeclared 8-bit headers are kept for decoding again with another charset', async () => {
  const s = await summarize(CASES[5]![1], base, 'gb18030');
  assert.equal(s.subject, '你好');
  assert.ok(s.header8bit instanceof ArrayBuffer);
});
