// The explanation of the selected or hovered line: what it does or means,
// response codes, and the session state after it and why, with RFC sections.
import { useI18n } from '../i18n';
import { explain } from './annotations';
import type { Interpreted } from './interpret';
import { consoleText } from './strings';

export function Explain(props: { line: Interpreted | null }) {
  const { lang } = useI18n();
  const t = (k: Parameters<typeof consoleText>[1]) => consoleText(lang, k);
  if (!props.line) return <p class="hint explain-empty">{t('explainHint')}</p>;
  const e = explain(props.line, lang);
  return (
    <section class="explain" aria-label={t('explainTitle')} aria-live="polite">
      <h3>{e.title}</h3>
      <p class="meaning">{e.text}</p>
      {e.rfc && <p class="rfc">{t('rfc')}: {e.rfc}</p>}
      {e.more.map((m) => (
        <p key={m.label} class="more">
          <strong>{m.label}</strong> {m.text} {m.rfc && <span class="rfc">({m.rfc})</span>}
        </p>
      ))}
      <p class="state">
        <strong>
          {t('state')}: {e.state}
        </strong>{' '}
        — {e.why} {e.stateText} {e.stateRfc && <span class="rfc">({e.stateRfc})</span>}
      </p>
    </section>
  );
}
