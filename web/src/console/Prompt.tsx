// The manual-mode prompt: history (↑/↓) and Tab completion of command
// names. Typed secrets never enter the history: PASS/APOP lines are kept
// with their argument masked.
import { useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { COMMANDS } from './annotations';
import { consoleText } from './strings';

export function maskForHistory(line: string): string {
  const m = /^\s*(PASS|APOP|AUTH)\b/i.exec(line);
  return m ? `${m[1]} ********` : line;
}

/** Completes the command name being typed; undefined when none or several fit. */
export function complete(prefix: string): string | undefined {
  if (/\s/.test(prefix.trim()) || !prefix.trim()) return undefined;
  const p = prefix.trim().toUpperCase();
  const hits = COMMANDS.filter((c) => c.startsWith(p));
  return hits.length === 1 ? `${hits[0]} ` : undefined;
}

export function Prompt(props: { state: string; disabled: boolean; onSubmit: (line: string) => void }) {
  const { lang } = useI18n();
  const t = (k: Parameters<typeof consoleText>[1]) => consoleText(lang, k);
  const [value, setValue] = useState('');
  const history = useRef<string[]>([]);
  const pos = useRef(0);
  const submit = () => {
    const line = value.trim();
    if (!line) return;
    history.current.push(maskForHistory(line));
    pos.current = history.current.length;
    setValue('');
    props.onSubmit(line);
  };
  return (
    <form
      class="prompt"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="console-prompt" class="prompt-state">
        {props.state}&gt;
      </label>
      <input
        id="console-prompt"
        aria-label={t('promptLabel')}
        autocomplete="off"
        spellcheck={false}
        disabled={props.disabled}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Tab') {
            const c = complete(value);
            if (c) {
              setValue(c);
              e.preventDefault();
            }
          } else if (e.key === 'ArrowUp') {
            if (pos.current > 0) pos.current--;
            setValue(history.current[pos.current] ?? '');
            e.preventDefault();
          } else if (e.key === 'ArrowDown') {
            if (pos.current < history.current.length) pos.current++;
            setValue(history.current[pos.current] ?? '');
            e.preventDefault();
          }
        }}
      />
      <button type="submit" disabled={props.disabled}>
        {t('send')}
      </button>
      <p class="hint">{t('promptHint')}</p>
    </form>
  );
}
