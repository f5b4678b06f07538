// The message list, newest first, virtualized: only the rows in view (plus a
// few) are in the DOM, so 10,000 messages scroll as smoothly as 10. Rows
// have a fixed height, which makes the window arithmetic exact.
import { memo } from 'preact/compat';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Summary } from '../protocol/messages';
import { formatDate, formatSize, useI18n, type Lang } from '../i18n';

export const ROW_HEIGHT = 60;
const OVERSCAN = 8;

export function MailList(props: {
  items: Summary[];
  selected: string | null;
  onSelect: (uid: string) => void;
  onOpen: (uid: string) => void;
}) {
  const { t, lang } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Keep the selected row in view when the keyboard moves the selection.
  useEffect(() => {
    const el = scroller.current;
    if (!el || props.selected === null) return;
    const i = props.items.findIndex((s) => s.uid === props.selected);
    if (i < 0) return;
    const top = i * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [props.selected, props.items]);

  // Rows get stable handlers (so memo can skip them) that call the latest props.
  const latest = useRef(props);
  latest.current = props;
  const onSelect = useCallback((uid: string) => latest.current.onSelect(uid), []);
  const onOpen = useCallback((uid: string) => latest.current.onOpen(uid), []);

  const total = props.items.length;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const rows = props.items.slice(first, last);

  if (total === 0) return <p class="empty">{t('noMessages')}</p>;

  return (
    <div
      class="maillist"
      ref={scroller}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      role="listbox"
      aria-label={t('messages')}
      aria-activedescendant={props.selected ? `msg-${cssId(props.selected)}` : undefined}
      tabIndex={0}
    >
      <div style={{ height: `${total * ROW_HEIGHT}px`, position: 'relative' }}>
        {rows.map((s, i) => (
          <Row key={s.uid} s={s} idx={first + i} total={total} selected={s.uid === props.selected} lang={lang} onSelect={onSelect} onOpen={onOpen} />
        ))}
      </div>
    </div>
  );
}

type RowProps = {
  s: Summary;
  idx: number;
  total: number;
  selected: boolean;
  lang: Lang;
  onSelect: (uid: string) => void;
  onOpen: (uid: string) => void;
};

/**
 * One row. Memoized: a notice about other messages (a bulk download sends
 * many) leaves the rows in view as they are; only a row whose summary object,
 * position or selection changed renders again. Formatting dates was most of
 * the page's CPU during a download before (bench/web/profile.sh).
 */
const Row = memo(function Row({ s, idx, total, selected: sel, lang, onSelect, onOpen }: RowProps) {
  const { t } = useI18n();
  const who = s.fromName || s.fromAddress;
  return (
    <div
      id={`msg-${cssId(s.uid)}`}
      role="option"
      aria-selected={sel}
      aria-posinset={idx + 1}
      aria-setsize={total}
      class={`row${sel ? ' selected' : ''}${s.markedForDeletion ? ' marked' : ''}`}
      style={{ top: `${idx * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
      onClick={() => onSelect(s.uid)}
      onDblClick={() => onOpen(s.uid)}
      data-uid={s.uid}
    >
      <div class="line1">
        <span class="from">{who}</span>
        <span class="date">{formatDate(s.date, lang)}</span>
      </div>
      <div class="line2">
        <span class="subject">{s.subject || t('noSubject')}</span>
        <span class="meta">
          {s.attachmentHint && (
            <span class="icon" role="img" aria-label={t('hasAttachments')} title={t('hasAttachments')}>
              📎
            </span>
          )}
          {s.downloaded && (
            <span class="icon" role="img" aria-label={t('stored')} title={t('stored')}>
              ✓
            </span>
          )}
          {s.markedForDeletion && (
            <span class="icon" role="img" aria-label={t('markedDelete')} title={t('markedDelete')}>
              🗑
            </span>
          )}
          <span class="size">{formatSize(s.size)}</span>
        </span>
      </div>
    </div>
  );
}, (a, b) => a.s === b.s && a.idx === b.idx && a.total === b.total && a.selected === b.selected && a.lang === b.lang);

/** UIDLs are 1-70 printable characters (RFC 1939 §7); make an id of them. */
export function cssId(uid: string): string {
  return uid.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}
