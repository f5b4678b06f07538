// The live POP3 conversation (client and server lines, secrets already
// redacted by the codec). The annotated console of issue 5 grows from here.
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n';

export interface TranscriptLine {
  direction: 'C' | 'S' | 'note';
  text: string;
  octets: number;
  time: number;
}

export function ProtocolPanel(props: { lines: TranscriptLine[] }) {
  const { t } = useI18n();
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: 'nearest' }), [props.lines.length]);
  return (
    <section class="protocol" aria-labelledby="protocol-title">
      <h2 id="protocol-title">{t('protocol')}</h2>
      {props.lines.length === 0 ? (
        <p class="hint">{t('protocolEmpty')}</p>
      ) : (
        <ol class="transcript" role="log" aria-live="off">
          {props.lines.map((l, i) => (
            <li key={i} class={`dir-${l.direction}`}>
              <span class="dir">{l.direction === 'note' ? '·' : `${l.direction}:`}</span> <span class="text">{l.text}</span>
            </li>
          ))}
          <li ref={end} aria-hidden="true" />
        </ol>
      )}
    </section>
  );
}
