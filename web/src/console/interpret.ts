// Reads a POP3 transcript (the codec's redacted lines) the way the codec
// framed it, so each line can be explained: which command a reply answers,
// whether a line is data of a multi-line reply, and the session state before
// and after it (RFC 1939 §§4-6). The codec itself never exposes this per
// line; the rules it frames by are few and are repeated here only to label
// lines, never to parse mail:
//  - replies come back in the order commands were sent (RFC 1939 §3, which is
//    also what makes pipelining work, RFC 2449 §6.6);
//  - +OK opens a multi-line reply for CAPA, RETR, TOP, and LIST/UIDL without
//    an argument; a line that is exactly "." ends it (RFC 1939 §3);
//  - during AUTH, "+ ..." lines are SASL challenges (RFC 5034 §4);
//  - the codec condenses a RETR/TOP body into one "(N octets of message M) ."
//    line (the page may attach the raw wire lines to it).

export type Direction = 'C' | 'S' | 'note';
export type PopState = 'GREETING' | 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE' | 'CLOSED';

/** One transcript line as the worker sends it. */
export interface ConsoleLine {
  direction: Direction;
  text: string;
  /** Bytes this line stands for on the wire. */
  octets: number;
  /** Milliseconds since the epoch. */
  time: number;
  /** Connection number: a new one starts again at GREETING. */
  session?: number;
  /** The raw lines of a folded body, as received (dot-stuffed). */
  wire?: string[];
  /** Raw lines not kept (the page keeps a bounded number). */
  wireOmitted?: number;
  /** A command the codec refused before sending anything. */
  refusal?: { code: string; detail: string };
}

export type LineKind =
  | 'greeting'
  | 'command'
  | 'sasl-response'
  | 'status'
  | 'challenge'
  | 'data'
  | 'end'
  | 'body'
  | 'note'
  | 'refusal';

/** Why the state is what it is after a line. */
export type StateReason =
  | 'connecting'
  | 'greeted'
  | 'rejected'
  | 'login-ok'
  | 'login-failed'
  | 'unchanged'
  | 'quit-update'
  | 'quit-auth'
  | 'closed';

export interface Interpreted extends ConsoleLine {
  kind: LineKind;
  /** The command this line is or answers (USER, RETR, ...). */
  command?: string;
  /** The argument of that command as shown (secrets are already masked). */
  arg?: string;
  ok?: boolean;
  /** Response code in brackets (RFC 2449 §8), e.g. IN-USE, SYS/TEMP. */
  code?: string;
  /** For CAPA data lines: the capability name. */
  capability?: string;
  /** Octets of a body line "(N octets of message M) .". */
  bodyOctets?: number;
  message?: number;
  stateBefore: PopState;
  stateAfter: PopState;
  reason: StateReason;
  /** Index of the status line that opened the multi-line reply this line belongs to. */
  parent?: number;
}

const BODY_LINE = /^\((\d+) octets of message (\d+)\) \.$/;
const LOGIN_COMMANDS = new Set(['PASS', 'APOP', 'AUTH']);

function opensMultiline(command: string, arg: string): boolean {
  if (command === 'CAPA' || command === 'RETR' || command === 'TOP') return true;
  return (command === 'LIST' || command === 'UIDL') && arg === '';
}

/** The response code of a status line: "-ERR [SYS/TEMP] ..." → "SYS/TEMP". */
export function responseCode(text: string): string | undefined {
  const m = /^[+-]\S*\s+\[([^\]\s]+)[^\]]*\]/.exec(text);
  return m ? m[1]?.toUpperCase() : undefined;
}

interface Pending {
  command: string;
  arg: string;
}

/** Labels every line; pure, so it runs on each render and in unit tests. */
export function interpret(lines: readonly ConsoleLine[]): Interpreted[] {
  const out: Interpreted[] = [];
  let session: number | undefined;
  let state: PopState = 'GREETING';
  let fifo: Pending[] = [];
  // Index of the status line whose multi-line data is being read, or -1.
  let open = -1;
  let openCommand: Pending | null = null;
  let reason: StateReason = 'connecting';

  for (const l of lines) {
    if (l.session !== undefined && l.session !== session) {
      session = l.session;
      state = 'GREETING';
      fifo = [];
      open = -1;
      openCommand = null;
      reason = 'connecting';
    }
    const before = state;
    const base = { ...l, stateBefore: before };
    if (l.refusal) {
      out.push({ ...base, kind: 'refusal', command: l.text.trim().split(/\s+/)[0]?.toUpperCase(), stateAfter: state, reason: 'unchanged' });
      continue;
    }
    if (l.direction === 'note') {
      if (/connection closed/i.test(l.text)) {
        state = 'CLOSED';
        reason = before === 'UPDATE' || before === 'CLOSED' ? reason : 'closed';
      }
      out.push({ ...base, kind: 'note', stateAfter: state, reason });
      continue;
    }
    if (l.direction === 'C') {
      const front = fifo[fifo.length - 1];
      // SASL responses are masked by the codec ("********") or empty.
      if ((l.text === '********' || l.text === '' || l.text === '*') && front?.command === 'AUTH') {
        out.push({ ...base, kind: 'sasl-response', command: 'AUTH', stateAfter: state, reason: 'unchanged' });
        continue;
      }
      const sp = l.text.indexOf(' ');
      const command = (sp < 0 ? l.text : l.text.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? '' : l.text.slice(sp + 1);
      fifo.push({ command, arg });
      out.push({ ...base, kind: 'command', command, arg, stateAfter: state, reason: 'unchanged' });
      continue;
    }
    // Server lines.
    if (open >= 0 && openCommand) {
      const parent = open;
      const body = BODY_LINE.exec(l.text);
      if (body || l.text === '.') {
        open = -1;
        const c = openCommand;
        openCommand = null;
        out.push({
          ...base,
          kind: body ? 'body' : 'end',
          command: c.command,
          arg: c.arg,
          bodyOctets: body ? Number(body[1]) : undefined,
          message: body ? Number(body[2]) : undefined,
          parent,
          stateAfter: state,
          reason: 'unchanged',
        });
        continue;
      }
      const capability = c_capability(openCommand.command, l.text);
      out.push({ ...base, kind: 'data', command: openCommand.command, arg: openCommand.arg, capability, parent, stateAfter: state, reason: 'unchanged' });
      continue;
    }
    if (state === 'GREETING') {
      const ok = l.text.startsWith('+OK');
      state = ok ? 'AUTHORIZATION' : 'CLOSED';
      reason = ok ? 'greeted' : 'rejected';
      out.push({ ...base, kind: 'greeting', ok, stateAfter: state, reason });
      continue;
    }
    const front = fifo[0];
    if (front?.command === 'AUTH' && (l.text === '+' || l.text.startsWith('+ '))) {
      out.push({ ...base, kind: 'challenge', command: 'AUTH', arg: front.arg, stateAfter: state, reason: 'unchanged' });
      continue;
    }
    fifo.shift();
    const ok = /^\+OK/i.test(l.text);
    const command = front?.command;
    let r: StateReason = 'unchanged';
    if (command && LOGIN_COMMANDS.has(command)) {
      if (ok) {
        state = 'TRANSACTION';
        r = 'login-ok';
      } else r = 'login-failed';
    } else if (command === 'QUIT') {
      if (before === 'TRANSACTION' && ok) {
        state = 'UPDATE';
        r = 'quit-update';
      } else {
        state = 'CLOSED';
        r = 'quit-auth';
      }
    }
    if (r !== 'unchanged') reason = r;
    const line: Interpreted = {
      ...base,
      kind: 'status',
      command,
      arg: front?.arg,
      ok,
      code: ok ? undefined : responseCode(l.text),
      stateAfter: state,
      reason: r === 'unchanged' ? 'unchanged' : r,
    };
    out.push(line);
    if (ok && front && opensMultiline(front.command, front.arg)) {
      open = out.length - 1;
      openCommand = front;
    }
  }
  return out;
}

function c_capability(command: string, text: string): string | undefined {
  if (command !== 'CAPA') return undefined;
  return text.trim().split(/\s+/)[0]?.toUpperCase();
}

/** The state a fresh line would be in after everything shown so far. */
export function currentState(lines: readonly Interpreted[]): PopState {
  return lines.length ? (lines[lines.length - 1] as Interpreted).stateAfter : 'GREETING';
}
