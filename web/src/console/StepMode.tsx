// Step mode: the automatic client runs one command per press of Next, and
// the panel says why that command comes next (the order of worker/mailbox.ts).
import { useI18n } from '../i18n';
import { consoleText, type ConsoleKey } from './strings';

import { STEPS as STEP_KEYS } from './steps';

export function StepMode(props: { step: number; busy: boolean; onNext: () => void }) {
  const { lang } = useI18n();
  const t = (k: ConsoleKey) => consoleText(lang, k);
  const next = STEP_KEYS[props.step];
  const prev = props.step > 0 ? STEP_KEYS[props.step - 1] : undefined;
  return (
    <div class="stepmode">
      <p class="hint">{t('stepIntro')}</p>
      {prev && <p class="step-done">✓ {t(`step_${prev}` as ConsoleKey)}</p>}
      {next ? (
        <>
          <p class="step-why" aria-live="polite">
            <strong>{t('stepWhy')}:</strong> <span data-testid="step-why">{t(`step_${next}` as ConsoleKey)}</span>
          </p>
          <button type="button" onClick={props.onNext} disabled={props.busy}>
            {props.step === 0 ? t('stepStart') : t('stepNext')}
          </button>
        </>
      ) : (
        <p class="step-why" aria-live="polite">{t('stepDone')}</p>
      )}
    </div>
  );
}
