// Which stored messages the account's policy removes from the server. A
// message qualifies only once its bytes are committed to IndexedDB
// (`downloaded`), so nothing is ever deleted that the reader does not have.
import type { DeletePolicy, Summary } from '../protocol/messages';

export const DAY_MS = 86_400_000;

export function dueForDeletion(s: Pick<Summary, 'downloaded' | 'firstSeen'>, policy: DeletePolicy, now: number): boolean {
  if (!s.downloaded) return false;
  switch (policy.kind) {
    case 'leave':
      return false;
    case 'after-download':
      return true;
    case 'after-days':
      return now - s.firstSeen >= policy.days * DAY_MS;
  }
}
