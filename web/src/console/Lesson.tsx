// The guided lesson: the current step's goal, a check of what the learner
// typed against the live session, and the explanation once it worked.
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { explain } from './annotations';
import type { Interpreted } from './interpret';
import { checkStep, LESSON } from './lessons';
import { consoleText, type ConsoleKey } from './strings';

export function Lesson(props: { lines: Interpreted[]; user: string; busy: boolean; onConnect: () => void; onSasl: () => void }) {
  const { lang } = useI18n();
  const t = (k: ConsoleKey, p?: Record<string, string | number>) => consoleText(lang, k, p);
  const [index, setIndex] = useState(0);
  const [since, setSince] = useState(props.lines.length);
  const step = LESSON[index];
  const check = step ? checkStep(step, props.lines, since) : null;
  // Once a step is done, its explanation stays until the learner moves on.
  const [passed, setPassed] = useState(false);
  useEffect(() => {
    if (check?.status === 'ok') setPassed(true);
  }, [check?.status]);

  if (!step) return <p class="lesson-done" role="status">{t('lessonDone')}</p>;
  const example = step.example?.replace('{user}', props.user);
  const advance = () => {
    setIndex(index + 1);
    setSince(props.lines.length);
    setPassed(false);
  };
  return (
    <div class="lesson" aria-label={t('tabLesson')}>
      <p class="hint">{t('lessonIntro')}</p>
      <p class="lesson-step">{t('lessonStep', { n: index + 1, total: LESSON.length })}</p>
      <p class="lesson-goal" data-testid="lesson-goal">
        {step.goal[lang]} {example && <code>{example}</code>}
      </p>
      {step.action === 'connect' && !passed && (
        <button type="button" onClick={props.onConnect} disabled={props.busy}>
          {t('connect')}
        </button>
      )}
      {step.action === 'sasl' && !passed && (
        <button type="button" onClick={props.onSasl} disabled={props.busy}>
          {t('signInSasl')}
        </button>
      )}
      {check?.status === 'other' && <p class="lesson-check">{t('lessonExpected', { what: example ?? step.command ?? '' })}</p>}
      {check?.status === 'failed' && (
        <p class="lesson-check" role="alert">
          {check.line.text} — {explain(check.line, lang).more.map((m) => m.text).join(' ') || explain(check.line, lang).text}
        </p>
      )}
      {passed && (
        <div class="lesson-ok" role="status">
          <p>
            <strong>{t('lessonCheckOk')}</strong> {step.done[lang]}
          </p>
          <button type="button" onClick={advance}>
            {t('lessonNext')}
          </button>
        </div>
      )}
    </div>
  );
}
