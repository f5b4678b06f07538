// The console's reading of transcripts, its annotations in both languages,
// the prompt's masking and completion, the lesson checks and the export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPABILITIES, CODES, COMMANDS, entry, ERRORS, explain, names, STATES } from '../../src/console/annotations';
import { interpret, responseCode, type ConsoleLine } from '../../src/console/interpret';
import { exportText } from '../../src/console/exportText';
import { checkStep, LESSON } from '../../src/console/lessons';
import { complete, maskForHistory } from '../../src/console/Prompt';
import { consoleEn, consoleZh } from '../../src/console/strings';

const L = (direction: ConsoleLine['direction'], text: string, extra: Partial<ConsoleLine> = {}): ConsoleLine => ({
  direction,
  text,
  octets: text.length + 2,
  time: 0,
  session: 1,
  ...extra,
});

// A real Dovecot session as the codec records it (PASS masked, body condensed).
const session: ConsoleLine[] = [
  L('S', '+OK Dovecot ready. <1.2.3@host>'),
  L('C', 'CAPA'),
  L('S', '+OK'),
  L('S', 'CAPA'),
  L('S', 'TOP'),
  L('S', 'SASL PLAIN SCRAM-SHA-256'),
  L('S', 'PIPELINING'),
  L('S', '.'),
  L('C', 'RETR 1'),
  L('S', "-ERR Unknown command: RETR"),
  L('C', 'USER alice'),
  L('S', '+OK'),
  L('C', 'PASS ********'),
  L('S', '-ERR [AUTH] Authentication failed.'),
  L('C', 'USER alice'),
  L('S', '+OK'),
  L('C', 'PASS ********'),
  L('S', '+OK Logged in.'),
  L('C', 'LIST'),
  L('S', '+OK 2 messages:'),
  L('S', '1 120'),
  L('S', '2 340'),
  L('S', '.'),
  L('C', 'RETR 2'),
  L('S', '+OK 340 octets'),
  L('S', '(340 octets of message 2) .', { wire: ['Subject: x', '', '..dot', '.'] }),
  L('C', 'DELE 1'),
  L('S', '-ERR [IN-USE] locked'),
  L('C', 'QUIT'),
  L('S', '+OK Logging out, messages deleted.'),
  L('note', 'connection closed', { octets: 0 }),
];

test('reads a session: greeting, replies to their commands, multi-line data, states and why', () => {
  const r = interpret(session);
  assert.equal(r[0]?.kind, 'greeting');
  assert.equal(r[0]?.stateAfter, 'AUTHORIZATION');
  assert.equal(r[5]?.kind, 'data');
  assert.equal(r[5]?.capability, 'SASL');
  assert.equal(r[5]?.parent, 2);
  assert.equal(r[7]?.kind, 'end');
  assert.equal(r[9]?.command, 'RETR');
  assert.equal(r[9]?.ok, false);
  assert.equal(r[13]?.code, 'AUTH');
  assert.equal(r[13]?.reason, 'login-failed');
  assert.equal(r[13]?.stateAfter, 'AUTHORIZATION');
  assert.equal(r[17]?.stateAfter, 'TRANSACTION');
  assert.equal(r[17]?.reason, 'login-ok');
  assert.equal(r[20]?.kind, 'data');
  assert.equal(r[20]?.command, 'LIST');
  assert.equal(r[25]?.kind, 'body');
  assert.equal(r[25]?.bodyOctets, 340);
  assert.equal(r[25]?.message, 2);
  assert.equal(r[27]?.code, 'IN-USE');
  assert.equal(r[29]?.stateAfter, 'UPDATE');
  assert.equal(r[30]?.stateAfter, 'CLOSED');
});

test('a new connection starts again at GREETING; SASL challenges and masked answers', () => {
  const r = interpret([
    ...session,
    L('S', '+OK again', { session: 2 }),
    L('C', 'AUTH SCRAM-SHA-256 ********', { session: 2 }),
    L('S', '+ cj1meW', { session: 2 }),
    L('C', '********', { session: 2 }),
    L('S', '+ dj1xcw==', { session: 2 }),
    L('C', '', { session: 2 }),
    L('S', '+OK Logged in.', { session: 2 }),
  ]);
  const tail = r.slice(session.length);
  assert.deepEqual(tail.map((l) => l.kind), ['greeting', 'command', 'challenge', 'sasl-response', 'challenge', 'sasl-response', 'status']);
  assert.equal(tail[6]?.stateAfter, 'TRANSACTION');
});

test('response codes are read from the brackets', () => {
  assert.equal(responseCode('-ERR [SYS/TEMP] try later'), 'SYS/TEMP');
  assert.equal(responseCode('-ERR [LOGIN-DELAY 300] wait'), 'LOGIN-DELAY');
  assert.equal(responseCode('-ERR no code'), undefined);
});

test('every command, code, capability, state and refusal the console can show has an annotation in both languages', () => {
  const sections: [Parameters<typeof entry>[0], readonly string[]][] = [
    ['commands', COMMANDS],
    ['codes', CODES],
    ['capabilities', CAPABILITIES],
    ['states', STATES],
    ['errors', ERRORS],
    ['responses', ['+OK', '-ERR', '+', '.', 'greeting']],
  ];
  for (const [section, list] of sections) {
    for (const name of list) {
      const e = entry(section, name);
      assert.ok(e, `${section}.${name} has no annotation`);
      assert.ok(e.en.trim().length > 10, `${section}.${name}: no English`);
      assert.ok(/[\u4e00-\u9fff]/.test(e.zh), `${section}.${name}: no Chinese`);
      assert.match(e.rfc, /^RFC \d+ §\d/, `${section}.${name}: no RFC section`);
    }
  }
  for (const name of names('commands')) assert.ok(entry('commands', name)?.usage, `commands.${name}: no usage`);
  // Every line of a real session gets a non-empty explanation and state in both languages.
  for (const l of interpret(session)) {
    for (const lang of ['en', 'zh'] as const) {
      const e = explain(l, lang);
      assert.ok(e.text.trim(), `no explanation for "${l.text}" (${lang})`);
      assert.ok(e.stateText.trim() && e.why.trim(), `no state for "${l.text}" (${lang})`);
    }
  }
  assert.match(explain(interpret(session)[13] as never, 'zh').more.map((m) => m.text).join(), /凭据错误/);
});

test('console strings exist in both languages with the same placeholders', () => {
  for (const k of Object.keys(consoleEn) as (keyof typeof consoleEn)[]) {
    assert.ok(consoleZh[k]?.trim(), `zh.${k} missing`);
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    assert.equal(ph(consoleZh[k]), ph(consoleEn[k]), `placeholders differ in ${k}`);
  }
});

test('prompt: secrets never enter the history; Tab completes command names', () => {
  assert.equal(maskForHistory('PASS alice-pass'), 'PASS ********');
  assert.equal(maskForHistory('apop alice 0123'), 'apop ********');
  assert.equal(maskForHistory('RETR 1'), 'RETR 1');
  assert.equal(complete('re'), 'RETR ');
  assert.equal(complete('rs'), 'RSET ');
  assert.equal(complete('u'), undefined); // USER, UIDL, UTF8
  assert.equal(complete('RETR 1'), undefined);
});

test('lesson steps check what was typed', () => {
  const r = interpret(session);
  const user = LESSON.find((s) => s.id === 'user');
  const quit = LESSON.find((s) => s.id === 'quit');
  assert.ok(user && quit);
  assert.equal(checkStep(user, r.slice(0, 10), 1).status, 'other'); // RETR typed instead of USER
  assert.equal(checkStep(user, r, 10).status, 'ok');
  assert.equal(checkStep(quit, r, 0).status, 'ok');
  assert.equal(checkStep(LESSON[0] as never, r, 0).status, 'ok');
});

test('export has times, directions and states, and no secret', () => {
  const lines = interpret([...session, L('note', 'PASS alice-pass', { refusal: { code: 'wrong-state', detail: 'x' } })]);
  const text = exportText(lines, 'header');
  assert.ok(!text.includes('alice-pass'));
  assert.match(text, /C: PASS \*{8}/);
  assert.match(text, /\[AUTHORIZATION -> TRANSACTION\]/);
  assert.match(text, /refused: wrong-state/);
});
