// The protocol console: the live mailbox session, and a session of the
// learner's own (manual mode, step mode, lessons), every line annotated from
// client-wasm/annotations/pop3.json, with a sequence diagram and a text
// export. The worker owns both sessions; this panel only shows them.
import { useMemo, useState } from 'preact/hooks';
import type { MailWorker } from '../client/worker-client';
import { WorkerRequestError } from '../client/worker-client';
import { useI18n } from '../i18n';
import { Diagram } from '../console/Diagram';
import { Explain } from '../console/Explain';
import { exportText } from '../console/exportText';
import { currentState, interpret, type ConsoleLine } from '../console/interpret';
import { Lesson } from '../console/Lesson';
import { Prompt } from '../console/Prompt';
import { StepMode } from '../console/StepMode';
import { consoleText, type ConsoleKey } from '../console/strings';
import { TranscriptView } from '../console/TranscriptView';
import type { AccountRef } from '../protocol/messages';

export type TranscriptLine = ConsoleLine;
export interface ConsoleStatus {
  connected: boolean;
  state: string;
  step: number;
}

type Tab = 'live' | 'manual' | 'step' | 'lesson';

export function ProtocolPanel(props: {
  lines: ConsoleLine[];
  consoleLines: ConsoleLine[];
  status: ConsoleStatus;
  worker: MailWorker;
  account: AccountRef | null;
  /** The proxy's leg to the mail server is encrypted (from /targets). */
  serverLegTls: boolean;
}) {
  const { lang, t: appT } = useI18n();
  const t = (k: ConsoleKey, p?: Record<string, string | number>) => consoleText(lang, k, p);
  const [tab, setTab] = useState<Tab>('live');
  const [selected, setSelected] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [diagram, setDiagram] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const source = tab === 'live' ? props.lines : props.consoleLines;
  const lines = useMemo(() => interpret(source), [source]);
  const shown = hover ?? selected;
  const state = props.status.connected ? currentState(lines) : 'CLOSED';

  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof WorkerRequestError ? appT(`err_${e.info.kind}` as never) + (e.info.detail ? ` (${e.info.detail})` : '') : String(e));
    } finally {
      setBusy(false);
    }
  };
  const connect = () => run(() => props.worker.request({ type: 'console-open' }));
  const disconnect = () => run(() => props.worker.request({ type: 'console-close' }));
  const send = (line: string) => run(() => props.worker.request({ type: 'console-line', line }));
  const step = () => run(() => props.worker.request({ type: 'console-step' }));
  const sasl = () => run(() => props.worker.request({ type: 'console-sasl' }));

  const download = () => {
    const ws = props.account ? props.account.proxy.replace(/^http/, 'ws') : '';
    const header = `pop3ws ${t(tab === 'live' ? 'tabLive' : 'tabManual')} — ${t('hop', { ws, target: props.account?.target ?? '' })}`;
    const blob = new Blob([exportText(lines, header)], { type: 'text/plain;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'pop3-session.txt';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const tabs: [Tab, ConsoleKey][] = [
    ['live', 'tabLive'],
    ['manual', 'tabManual'],
    ['step', 'tabStep'],
    ['lesson', 'tabLesson'],
  ];
  return (
    <section class="protocol console" aria-labelledby="protocol-title">
      <h2 id="protocol-title">{appT('protocol')}</h2>
      <p class="hop">{t('hop', { ws: props.account ? props.account.proxy.replace(/^http/, 'ws') + '/pop3/' + props.account.target : '', target: props.account?.target ?? '' })}</p>
      <div role="tablist" class="tabs">
        {tabs.map(([id, key]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            onClick={() => {
              setTab(id);
              setSelected(null);
              setHover(null);
            }}
          >
            {t(key)}
          </button>
        ))}
      </div>
      {tab !== 'live' && (
        <div class="console-bar">
          <span class="console-state" aria-live="polite">
            {t('state')}: <strong data-testid="console-state">{state}</strong>
          </span>
          {props.status.connected ? (
            <button type="button" onClick={() => void disconnect()} disabled={busy}>
              {t('disconnect')}
            </button>
          ) : (
            tab !== 'step' && (
              <button type="button" onClick={() => void connect()} disabled={busy}>
                {busy ? t('connecting') : t('connect')}
              </button>
            )
          )}
        </div>
      )}
      {error && (
        <p class="console-error" role="alert">
          {error}
        </p>
      )}
      {tab === 'step' && <StepMode step={props.status.step} busy={busy} onNext={() => void step()} />}
      {tab === 'lesson' && (
        <Lesson lines={lines} user={props.account?.user ?? ''} busy={busy} onConnect={() => void connect()} onSasl={() => void sasl()} />
      )}
      {source.length === 0 ? (
        <p class="hint">{tab === 'live' ? appT('protocolEmpty') : t('notConnectedConsole')}</p>
      ) : (
        <TranscriptView lines={lines} selected={selected} onSelect={(i, h) => (h ? setHover(i) : setSelected(i))} />
      )}
      {(tab === 'manual' || tab === 'lesson') && <Prompt state={state} disabled={!props.status.connected} onSubmit={(l) => void send(l)} />}
      <Explain line={shown !== null ? (lines[shown] ?? null) : null} />
      <div class="console-tools">
        <label>
          <input type="checkbox" checked={diagram} onChange={(e) => setDiagram(e.currentTarget.checked)} /> {t('tabDiagram')}
        </label>
        <button type="button" onClick={download} disabled={lines.length === 0} title={t('exportHint')}>
          {t('exportText')}
        </button>
      </div>
      {diagram && <Diagram lines={lines} tls={props.serverLegTls} />}
    </section>
  );
}
