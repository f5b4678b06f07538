// The session as plain text to share: time, direction, the line (already
// masked by the codec), bytes and state. A last pass masks whatever follows
// PASS/APOP/AUTH in case a line ever carried a secret.
import type { Interpreted } from './interpret';

export function redact(text: string): string {
  return text
    .replace(/^(PASS)\s.*$/i, '$1 ********')
    .replace(/^(APOP\s+\S+)\s.*$/i, '$1 ********')
    .replace(/^(AUTH\s+\S+)\s.*$/i, '$1 ********');
}

export function exportText(lines: readonly Interpreted[], header: string): string {
  const out = [header, ''];
  for (const l of lines) {
    const time = new Date(l.time).toISOString().slice(11, 23);
    const dir = l.kind === 'refusal' ? '!' : l.direction === 'note' ? '·' : `${l.direction}:`;
    const text = l.direction === 'C' || l.kind === 'refusal' ? redact(l.text) : l.text;
    const extra = l.kind === 'refusal' ? `  [refused: ${l.refusal?.code}, nothing sent]` : '';
    const state = l.stateAfter !== l.stateBefore ? `  [${l.stateBefore} -> ${l.stateAfter}]` : '';
    out.push(`${time} ${dir} ${text}${l.octets ? `  (${l.octets} B)` : ''}${extra}${state}`);
  }
  return out.join('\n') + '\n';
}
