// A sequence diagram of the session drawn from the transcript: page, proxy
// and mail server lifelines; each command crosses the WebSocket leg and then
// the proxy's leg to the server (TLS, which the proxy terminates, or plain
// TCP where the target says so in /targets), each reply comes back the same
// way. Plain SVG: the drawing is a few lines and arrows.
import { useI18n } from '../i18n';
import type { Interpreted } from './interpret';
import { consoleText } from './strings';

const MAX_ROWS = 60;
const ROW = 22;
const X = [60, 230, 400] as const;

export function Diagram(props: { lines: Interpreted[]; tls: boolean }) {
  const { lang } = useI18n();
  const t = (k: Parameters<typeof consoleText>[1]) => consoleText(lang, k);
  // Data lines are drawn once per reply, not once per line.
  const rows = props.lines.filter((l) => l.kind !== 'data' && l.kind !== 'refusal' && (l.direction !== 'note' || /TLS|closed/.test(l.text))).slice(-MAX_ROWS);
  const height = 60 + rows.length * ROW + 20;
  const label = (s: string) => (s.length > 26 ? `${s.slice(0, 25)}…` : s);
  return (
    <figure class="diagram">
      <figcaption>{t('diagramTitle')}</figcaption>
      <svg role="img" aria-label={t('diagramTitle')} viewBox={`0 0 460 ${height}`} width="100%">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
          </marker>
        </defs>
        {[t('hopPage'), t('hopProxy'), t('hopServer')].map((name, i) => (
          <g key={name}>
            <rect x={(X[i] as number) - 45} y={8} width={90} height={24} rx={4} class="lifebox" />
            <text x={X[i]} y={25} text-anchor="middle" class="lifename">
              {name}
            </text>
            <line x1={X[i]} y1={32} x2={X[i]} y2={height - 10} class="lifeline" />
          </g>
        ))}
        <text x={(X[0] + X[1]) / 2} y={48} text-anchor="middle" class="leg">
          {t('wsLeg')}
        </text>
        <text x={(X[1] + X[2]) / 2} y={48} text-anchor="middle" class={props.tls ? 'leg tls' : 'leg'}>
          {props.tls ? `🔒 ${t('tlsLeg')}` : 'TCP'}
        </text>
        {rows.map((l, i) => {
          const y = 66 + i * ROW;
          if (l.direction === 'note') {
            return (
              <text key={i} x={X[1]} y={y} text-anchor="middle" class="note">
                {label(l.text)}
              </text>
            );
          }
          const c = l.direction === 'C';
          const cls = `msg ${c ? 'client' : 'server'}${l.ok === false ? ' err' : ''}`;
          return (
            <g key={i} class={cls}>
              <line x1={c ? X[0] : X[2]} y1={y} x2={X[1]} y2={y} marker-end="url(#arrow)" />
              <line x1={X[1]} y1={y} x2={c ? X[2] : X[0]} y2={y} marker-end="url(#arrow)" class={props.tls ? 'tlsleg' : ''} />
              <text x={c ? X[0] + 6 : X[1] + 6} y={y - 4} class="msglabel">
                {label(l.text)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
