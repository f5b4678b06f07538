// The annotated transcript: one row per line (time, direction, hop arrow,
// text, bytes). Data lines of a multi-line reply fold under their status
// line (count shown); a RETR/TOP body opens to its raw lines, dot-stuffed as
// on the wire or unstuffed. Hover or select a row to explain it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import type { Interpreted } from './interpret';
import { consoleText } from './strings';

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A body line as a reader of the message sees it (RFC 1939 §3 unstuffing). */
function unstuff(l: string): string {
  return l.startsWith('..') ? l.slice(1) : l;
}

export function TranscriptView(props: { lines: Interpreted[]; selected: number | null; onSelect: (i: number | null, hover: boolean) => void }) {
  const { lang } = useI18n();
  const t = (k: Parameters<typeof consoleText>[1], p?: Record<string, string | number>) => consoleText(lang, k, p);
  const [openGroups, setOpen] = useState<Set<number>>(new Set());
  const [wireView, setWireView] = useState(true);
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: 'nearest' }), [props.lines.length]);

  const counts = new Map<number, number>();
  for (const l of props.lines) if (l.kind === 'data' && l.parent !== undefined) counts.set(l.parent, (counts.get(l.parent) ?? 0) + 1);
  const toggle = (i: number) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(i)) n.delete(i);
      else n.add(i);
      return n;
    });

  return (
    <ol class="transcript" role="log" aria-live="off" onMouseLeave={() => props.onSelect(null, true)}>
      {props.lines.map((l, i) => {
        if (l.kind === 'data' && l.parent !== undefined && !openGroups.has(l.parent)) return null;
        const n = counts.get(i);
        const dir = l.kind === 'refusal' ? '!' : l.direction === 'note' ? '·' : `${l.direction}:`;
        const arrow = l.direction === 'C' ? '→' : l.direction === 'S' ? '←' : '';
        return (
          <li
            key={i}
            class={`dir-${l.direction} kind-${l.kind}${props.selected === i ? ' selected' : ''}`}
            tabIndex={0}
            aria-selected={props.selected === i}
            onMouseEnter={() => props.onSelect(i, true)}
            onFocus={() => props.onSelect(i, false)}
            onClick={() => props.onSelect(i, false)}
          >
            <span class="time">{clock(l.time)}</span>
            <span class="hop" aria-hidden="true">{arrow}</span>
            <span class="dir">{dir}</span> <span class="text">{l.text}</span>
            {l.octets > 0 && <span class="octets">{t('octets', { n: l.octets })}</span>}
            {l.kind === 'refusal' && <span class="refusal-note"> — {t('refused', { command: l.command ?? '' })}</span>}
            {n !== undefined && (
              <button type="button" class="fold" aria-expanded={openGroups.has(i)} onClick={(e) => { e.stopPropagation(); toggle(i); }}>
                {openGroups.has(i) ? t('hideLines') : t('showLines', { n })}
              </button>
            )}
            {l.kind === 'body' && l.wire && (
              <button type="button" class="fold" aria-expanded={openGroups.has(i)} onClick={(e) => { e.stopPropagation(); toggle(i); }}>
                {openGroups.has(i) ? t('hideLines') : t('showLines', { n: l.wire.length + (l.wireOmitted ?? 0) })}
              </button>
            )}
            {l.kind === 'body' && l.wire && openGroups.has(i) && (
              <div class="wire">
                <label>
                  <input type="checkbox" checked={wireView} onChange={(e) => setWireView(e.currentTarget.checked)} /> {t('asOnWire')}
                </label>
                <pre>
                  {l.wire
                    .slice(0, -1)
                    .map((w) => (wireView ? w : unstuff(w)))
                    .join('\n')}
                  {l.wireOmitted ? `\n${t('wireOmitted', { n: l.wireOmitted })}` : ''}
                  {wireView ? '\n.' : ''}
                </pre>
              </div>
            )}
          </li>
        );
      })}
      <li ref={end} aria-hidden="true" />
    </ol>
  );
}
