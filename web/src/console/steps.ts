// Step mode's commands, in the order the mailbox's automatic client sends
// them (worker/mailbox.ts: CAPA, login, listing, TOP, RETR, DELE), plus RSET
// so a walkthrough leaves the mailbox as it was, and QUIT (RFC 1939 §6).
export const STEPS = ['connect', 'capa', 'login', 'stat', 'uidl', 'list', 'top', 'retr', 'dele', 'rset', 'quit'] as const;
export type StepKey = (typeof STEPS)[number];
