import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import {
  guessLegacyCharset,
  joinEncodedWords,
  prepareForParsing,
  resolveCharset,
  decodeBytes,
  guessUndeclared,
  cjkPlausibility,
} from '../../src/mail/charset';

const enc = new TextEncoder();
const crlf = (s: string) => enc.encode(s.replace(/\n/g, '\r\n'));
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
// "你好" in GBK: C4 E3 BA C3
const GBK_NIHAO = Uint8Array.from([0xc4, 0xe3, 0xba, 0xc3]);
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

test('gb2312 and gbk labels decode with the GB18030 decoder', () => {
  assert.equal(resolveCharset('GB2312'), 'gb18030');
  assert.equal(resolveCharset('x-gbk'), 'gb18030');
  assert.equal(resolveCharset('cp950'), 'big5');
  assert.equal(resolveCharset('no-such-charset'), null);
  assert.equal(decodeBytes(GBK_NIHAO, 'gb2312'), '你好');
  // 𠀀 (U+20000) exists only in GB18030's four-byte range, beyond GBK.
  assert.equal(decodeBytes(Uint8Array.from([0x95, 0x32, 0x82, 0x36]), 'gb2312'), '\u{20000}');
});

test('legacy charset guessed from the reader language', () => {
  assert.equal(guessLegacyCharset('zh-CN'), 'gb18030');
  assert.equal(guessLegacyCharset('zh'), 'gb18030');
  assert.equal(guessLegacyCharset('zh-TW'), 'big5');
  assert.equal(guessLegacyCharset('zh-Hant-HK'), 'big5');
  assert.equal(guessLegacyCharset('ja'), 'shift_jis');
  assert.equal(guessLegacyCharset('en-US'), 'windows-1252');
});

test('base64 words split inside a GBK character are joined by bytes', () => {
  // Each word carries its own padding, so the encoded text cannot be joined.
  const split = `=?gbk?B?${b64(GBK_NIHAO.subarray(0, 1))}?= =?GBK?B?${b64(GBK_NIHAO.subarray(1))}?=`;
  const joined = joinEncodedWords(split);
  assert.equal(joined, `=?gbk?B?${b64(GBK_NIHAO)}?=`);
});

test('words of different charsets stay apart', () => {
  const v = `=?utf-8?Q?caf=C3=A9?= =?iso-8859-1?Q?caf=E9?=`;
  const out = joinEncodedWords(v);
  assert.match(out, /^=\?utf-8\?B\?[^?]+\?= =\?iso-8859-1\?B\?[^?]+\?=$/);
});

test('postal-mime alone mangles the split word; prepared input decodes', async () => {
  // 1 + 3 bytes: the first word ends in '==' padding, so it splits 你.
  const w1 = b64(GBK_NIHAO.subarray(0, 1));
  const w2 = b64(GBK_NIHAO.subarray(1));
  const raw = crlf(`From: a@example.com\nSubject: =?gbk?B?${w1}?=\n =?gbk?B?${w2}?=\n\nbody\n`);
  const plain = await PostalMime.parse(raw);
  assert.notEqual(plain.subject, '你好', 'postal-mime now joins these itself: drop the workaround');
  const fixed = await PostalMime.parse(prepareForParsing(raw, 'windows-1252'));
  assert.equal(fixed.subject, '你好');
  assert.equal(fixed.text?.trim(), 'body');
});

test('raw 8-bit GBK subject with no charset uses the fallback, UTF-8 lines untouched', async () => {
  const raw = cat(
    crlf('From: =?utf-8?B?5byg5LiJ?= <zs@example.com>\nSubject: '),
    GBK_NIHAO,
    crlf('\nX-Note: caf\u00e9\n\n'),
    Uint8Array.from([0xc4, 0xe3]), // body bytes are never rewritten
  );
  const zh = await PostalMime.parse(prepareForParsing(raw, 'gb18030'));
  assert.equal(zh.subject, '你好');
  assert.equal((zh.from as { name: string }).name, '张三');
  assert.equal(zh.headers.find((h) => h.key === 'x-note')?.value, 'café');
  const prepared = prepareForParsing(raw, 'gb18030');
  assert.deepEqual([...prepared.subarray(prepared.length - 2)], [0xc4, 0xe3]);
  // A Western reader's default shows Latin-1 look-alikes, not U+FFFD.
  const en = await PostalMime.parse(prepareForParsing(raw, 'windows-1252'));
  assert.equal(en.subject, 'ÄãºÃ');
});

test('a clean message is passed through unchanged (same buffer)', () => {
  const raw = crlf('Subject: hello\n\nbody\n');
  assert.equal(prepareForParsing(raw, 'gb18030'), raw);
});

test('Big5 and ISO-2022-JP bodies decode through postal-mime', async () => {
  const big5 = cat(crlf('Subject: t\nContent-Type: text/plain; charset=big5\n\n'), Uint8Array.from([0xa4, 0xa4, 0xa4, 0xe5]));
  assert.equal((await PostalMime.parse(big5)).text?.trim(), '中文');
  const jis = cat(crlf('Subject: t\nContent-Type: text/plain; charset=ISO-2022-JP\n\n'),
    Uint8Array.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42]));
  assert.equal((await PostalMime.parse(jis)).text?.trim(), '日本');
  // Windows-1252 is checked in Chromium (tests/browser): Node 20's TextDecoder
  // decodes that label as ISO-8859-1, unlike the WHATWG standard.
});

test('an 8-bit text body with no charset is decoded with the fallback', async () => {
  const body = Uint8Array.from([0xb1, 0xea, 0xcc, 0xe2]); // 标题 in GBK
  const declaredNone = cat(crlf('Subject: t\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n'), body);
  assert.equal((await PostalMime.parse(prepareForParsing(declaredNone, 'gb18030'))).text?.trim(), '标题');
  const noHeader = cat(crlf('Subject: t\n\n'), body);
  assert.equal((await PostalMime.parse(prepareForParsing(noHeader, 'gb18030'))).text?.trim(), '标题');
  // A declared charset always wins.
  const declared = cat(crlf('Subject: t\nContent-Type: text/plain; charset=big5\n\n'), Uint8Array.from([0xa4, 0xa4]));
  assert.equal((await PostalMime.parse(prepareForParsing(declared, 'gb18030'))).text?.trim(), '中');
});

// Undeclared 8-bit headers: guess a CJK charset from the bytes, else the language's.
const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const subjectLine = (bytes: Uint8Array) => cat(enc.encode('Subject: '), bytes);

test('undeclared 8-bit headers: CJK charsets guessed from the bytes, the language breaks ties, Latin stays Latin', () => {
  const gbk = hex('d1ddcabe203035a3baceb4c9f9c3f7d7d6b7fbbcafb5c42047424b20b1eacce2'); // 演示 05：未声明字符集的 GBK 标题
  const big5 = hex('a741a66ea141a540acc9'); // 你好，世界
  const sjis = hex('93fa967b8cea82cc8381815b838b'); // 日本語のメール
  const euckr = hex('bec8b3e7c7cfbcbcbfe4'); // 안녕하세요
  const latin1 = hex('4361666520637265e86d65206272fb6ce965'); // Cafe crème brûlée
  assert.equal(guessUndeclared([subjectLine(gbk)], 'en-US'), 'gb18030');
  assert.equal(guessUndeclared([subjectLine(big5)], 'en-US'), 'big5');
  assert.equal(guessUndeclared([subjectLine(sjis)], 'ja-JP'), 'shift_jis');
  assert.equal(guessUndeclared([subjectLine(euckr)], 'ko-KR'), 'euc-kr');
  assert.equal(guessUndeclared([subjectLine(latin1)], 'en-US'), 'windows-1252');
  assert.equal(guessUndeclared([subjectLine(latin1)], 'pl-PL'), 'iso-8859-2');
  assert.equal(guessUndeclared([], 'zh-TW'), 'big5');
  assert.equal(cjkPlausibility('cr\u8d81e', 'gb18030'), 0);
});

test('"auto" decodes the demo GBK subject for an English reader; an explicit choice still wins', async () => {
  const gbk = hex('d1ddcabe203035a3baceb4c9f9c3f7d7d6b7fbbcafb5c42047424b20b1eacce2');
  const raw = cat(crlf('From: a@example.org\n'), subjectLine(gbk), crlf('\n\nbody\n'));
  const auto = await PostalMime.parse(prepareForParsing(raw, 'auto', 'en-US'));
  assert.equal(auto.subject, '演示 05：未声明字符集的 GBK 标题');
  const forced = await PostalMime.parse(prepareForParsing(raw, 'windows-1252', 'en-US'));
  assert.notEqual(forced.subject, auto.subject);
});
