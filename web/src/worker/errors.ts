// What a failed login means, in the words the UI will use.
import type { WorkerError } from '../protocol/messages';

export interface LoginReply {
  code: string;
  text: string;
}

/**
 * RFC 2449 §8.1 and RFC 3206: [IN-USE] and [LOGIN-DELAY] mean "not now",
 * [SYS/TEMP] and [SYS/PERM] mean server trouble; only [AUTH] or a plain -ERR
 * means the credentials were refused. Clients that treat every -ERR as a
 * wrong password make people retype good passwords.
 */
export function loginError(r: LoginReply): WorkerError {
  switch (r.code) {
    case 'IN-USE':
      return { kind: 'in-use', detail: r.text };
    case 'LOGIN-DELAY':
      return { kind: 'login-delay', detail: r.text };
    case 'SYS/TEMP':
    case 'SYS/PERM':
      return { kind: 'server-trouble', detail: r.text };
    default:
      return { kind: 'wrong-password', detail: r.text };
  }
}
