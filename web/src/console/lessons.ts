// The guided lesson against the demo mailbox, from the greeting to QUIT.
// Each step says what to type, checks the learner's own session (the
// interpreted transcript) and explains what happened. RFC sections as in
// client-wasm/annotations/pop3.json.
import type { Lang } from '../i18n';
import type { Interpreted } from './interpret';

type Text = Record<Lang, string>;

export interface LessonStep {
  id: string;
  /** connect: the Connect button; type: a command typed at the prompt; sasl: the SASL sign-in button. */
  action: 'connect' | 'type' | 'sasl';
  /** The command whose reply completes the step. */
  command?: string;
  /** What to type, shown literally ({user} is the account's user name). */
  example?: string;
  goal: Text;
  done: Text;
}

export const LESSON: LessonStep[] = [
  {
    id: 'connect',
    action: 'connect',
    goal: { en: 'Press Connect. The proxy opens TCP and TLS to the mail server; the server speaks first.', zh: '按“连接”。代理建立到邮件服务器的 TCP 和 TLS 连接；服务器先发言。' },
    done: { en: 'The greeting starts with +OK: the session is in the AUTHORIZATION state (RFC 1939 §4). The <...> part, if any, is the APOP timestamp.', zh: '问候语以 +OK 开头：会话处于 AUTHORIZATION 状态（RFC 1939 §4）。其中的 <...> 部分（如有）是 APOP 时间戳。' },
  },
  {
    id: 'user',
    action: 'type',
    command: 'USER',
    example: 'USER {user}',
    goal: { en: 'Say who you are: type USER and your user name.', zh: '说明您是谁：输入 USER 和您的用户名。' },
    done: { en: 'The server accepted the name; it waits for PASS. Still AUTHORIZATION (RFC 1939 §7).', zh: '服务器接受了用户名，等待 PASS。仍处于 AUTHORIZATION 状态（RFC 1939 §7）。' },
  },
  {
    id: 'pass',
    action: 'type',
    command: 'PASS',
    example: 'PASS …',
    goal: { en: 'Type PASS and the password. The console masks it; it travels inside the TLS the proxy holds.', zh: '输入 PASS 和密码。控制台会隐藏它；它在代理持有的 TLS 连接中传输。' },
    done: { en: 'Logged in: the mailbox is locked for this session and the state is TRANSACTION (RFC 1939 §5).', zh: '已登录：邮箱被本会话锁定，状态为 TRANSACTION（RFC 1939 §5）。' },
  },
  {
    id: 'stat',
    action: 'type',
    command: 'STAT',
    example: 'STAT',
    goal: { en: 'Ask how many messages there are: STAT.', zh: '询问有多少封邮件：STAT。' },
    done: { en: '"+OK n size": n messages, size octets in total (RFC 1939 §5).', zh: '“+OK n size”：共 n 封邮件，总计 size 字节（RFC 1939 §5）。' },
  },
  {
    id: 'list',
    action: 'type',
    command: 'LIST',
    example: 'LIST',
    goal: { en: 'List every message with its size: LIST.', zh: '列出每封邮件及其大小：LIST。' },
    done: { en: 'A multi-line reply: one line per message, ended by a line with a single dot. Open the fold to see the lines.', zh: '多行回复：每封邮件一行，以只含一个点的行结束。展开折叠即可看到各行。' },
  },
  {
    id: 'top',
    action: 'type',
    command: 'TOP',
    example: 'TOP 1 5',
    goal: { en: 'Fetch the headers and the first 5 body lines of message 1: TOP 1 5.', zh: '获取第 1 封邮件的邮件头和正文前 5 行：TOP 1 5。' },
    done: { en: 'TOP gives the headers and n lines: a list can be shown without downloading whole messages (RFC 1939 §7).', zh: 'TOP 返回邮件头和 n 行正文：无需下载整封邮件即可显示列表（RFC 1939 §7）。' },
  },
  {
    id: 'retr',
    action: 'type',
    command: 'RETR',
    example: 'RETR 1',
    goal: { en: 'Now download all of message 1: RETR 1. Compare its size with TOP.', zh: '现在下载整封第 1 封邮件：RETR 1。与 TOP 的大小比较一下。' },
    done: { en: 'The whole message. Open the fold and tick "as on the wire": lines starting with a dot got a second dot (dot-stuffing, RFC 1939 §3).', zh: '整封邮件。展开折叠并勾选“按线路上的原样”：以点开头的行被多加了一个点（点填充，RFC 1939 §3）。' },
  },
  {
    id: 'uidl',
    action: 'type',
    command: 'UIDL',
    example: 'UIDL',
    goal: { en: 'Ask for the unique ids: UIDL.', zh: '查询唯一标识：UIDL。' },
    done: { en: 'Message numbers change between sessions; these ids do not. A client that leaves mail on the server remembers them to know what it already has (RFC 1939 §7).', zh: '邮件编号在不同会话间会变化，而这些标识不变。在服务器上保留邮件的客户端记住它们，以判断哪些邮件已经下载过（RFC 1939 §7）。' },
  },
  {
    id: 'dele',
    action: 'type',
    command: 'DELE',
    example: 'DELE 1',
    goal: { en: 'Mark message 1 for deletion: DELE 1.', zh: '把第 1 封邮件标记为删除：DELE 1。' },
    done: { en: 'Only marked: nothing is deleted until QUIT. Try RETR 1 now if you like: the server refuses a marked message.', zh: '只是标记：在 QUIT 之前不会删除任何东西。现在可以试试 RETR 1：服务器会拒绝已标记的邮件。' },
  },
  {
    id: 'rset',
    action: 'type',
    command: 'RSET',
    example: 'RSET',
    goal: { en: 'Undo the mark: RSET.', zh: '撤销标记：RSET。' },
    done: { en: 'Every mark of this session is gone (RFC 1939 §5).', zh: '本次会话的所有标记都已撤销（RFC 1939 §5）。' },
  },
  {
    id: 'quit',
    action: 'type',
    command: 'QUIT',
    example: 'QUIT',
    goal: { en: 'End the session: QUIT.', zh: '结束会话：QUIT。' },
    done: { en: 'QUIT after login moves the session to UPDATE: the server deletes marked messages (none now), unlocks the mailbox and closes (RFC 1939 §6).', zh: '登录后发送 QUIT 使会话进入 UPDATE 状态：服务器删除已标记的邮件（现在没有），解锁邮箱并关闭连接（RFC 1939 §6）。' },
  },
  {
    id: 'reconnect',
    action: 'connect',
    goal: { en: 'Now sign in with SASL instead of USER/PASS. Press Connect again.', zh: '现在改用 SASL 而不是 USER/PASS 登录。再次按“连接”。' },
    done: { en: 'A new session, back in AUTHORIZATION.', zh: '新的会话，重新处于 AUTHORIZATION 状态。' },
  },
  {
    id: 'sasl',
    action: 'sasl',
    command: 'AUTH',
    goal: { en: 'Press "Sign in with SASL". The client picks the strongest mechanism the server offers and answers its challenges.', zh: '按“用 SASL 登录”。客户端选择服务器提供的最强机制并回应其质询。' },
    done: { en: 'AUTH (RFC 5034): "+ " lines are the server\'s challenges, the client\'s answers are masked. With SCRAM the server also proves it knows the password.', zh: 'AUTH（RFC 5034）：“+ ”行是服务器的质询，客户端的应答已隐藏。使用 SCRAM 时服务器也要证明它知道密码。' },
  },
  {
    id: 'quit2',
    action: 'type',
    command: 'QUIT',
    example: 'QUIT',
    goal: { en: 'And QUIT again.', zh: '再次发送 QUIT。' },
    done: { en: 'Done: from the greeting to QUIT and the UPDATE state.', zh: '完成：从问候语到 QUIT 和 UPDATE 状态。' },
  },
];

export type StepCheck =
  | { status: 'pending' }
  | { status: 'ok' }
  | { status: 'failed'; line: Interpreted }
  | { status: 'other'; typed: string };

/** Checks a step against the lines that came after it started. */
export function checkStep(step: LessonStep, lines: readonly Interpreted[], since: number): StepCheck {
  let typed: string | null = null;
  for (const l of lines.slice(since)) {
    if (step.action === 'connect') {
      if (l.kind === 'greeting') return l.ok ? { status: 'ok' } : { status: 'failed', line: l };
      continue;
    }
    if (l.kind === 'command' || l.kind === 'refusal') {
      typed = l.command === step.command ? null : l.text;
      continue;
    }
    if (l.kind === 'status' && l.command === step.command) {
      if (l.ok) return { status: 'ok' };
      return { status: 'failed', line: l };
    }
  }
  return typed ? { status: 'other', typed } : { status: 'pending' };
}
