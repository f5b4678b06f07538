// The app shell: state, the worker connection, keyboard shortcuts and layout.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountRef, DeletePolicy, ParsedMessage, Phase, StorageInfo, Summary, WorkerError } from '../protocol/messages';
import { accountIdOf } from '../protocol/messages';
import { MailWorker, WorkerRequestError } from '../client/worker-client';
import { I18n, initialLang, saveLang, translator, type Lang } from '../i18n';
import type { StringKey } from '../i18n/strings';
import { AUTO_CHARSET } from '../mail/charset';
import { MailList } from './MailList';
import { Reader } from './Reader';
import { SignIn, type SignInValues } from './SignIn';
import { SettingsPanel } from './SettingsPanel';
import { ProtocolPanel, type ConsoleStatus, type TranscriptLine } from './ProtocolPanel';

const K_ACCOUNT = 'pop3ws.account';
const K_SECRET = 'pop3ws.secret';
const K_POLICY = 'pop3ws.policy';
const K_CHARSET = 'pop3ws.charset';
const MAX_TRANSCRIPT = 2000;

type SavedAccount = AccountRef & { secretIsToken: boolean; auth: SignInValues['auth'] };

function load<T>(key: string): T | null {
  try {
    const v = localStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : null;
  } catch {
    return null;
  }
}

function byNewest(a: Summary, b: Summary): number {
  return b.date - a.date || (a.uid < b.uid ? 1 : a.uid > b.uid ? -1 : 0);
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const t = useMemo(() => translator(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('appTitle');
  }, [lang, t]);

  const worker = useMemo(() => MailWorker.start(), []);
  const saved = useMemo(() => load<SavedAccount>(K_ACCOUNT), []);
  const [account, setAccount] = useState<AccountRef | null>(null);
  const accountId = account ? accountIdOf(account) : null;
  const summaries = useRef(new Map<string, Summary>());
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<ParsedMessage | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [listProgress, setListProgress] = useState<{ done: number; total: number } | null>(null);
  const [msgProgress, setMsgProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<WorkerError | null>(null);
  const [busy, setBusy] = useState(false);
  const [policy, setPolicy] = useState<DeletePolicy>(() => load<DeletePolicy>(K_POLICY) ?? { kind: 'leave' });
  const [charset, setCharset] = useState<string>(() => localStorage.getItem(K_CHARSET) ?? AUTO_CHARSET);
  const [storage, setStorage] = useState<StorageInfo | null>(null);
  const [transcript, setTranscript] = useState<TranscriptLine[]>([]);
  const [consoleLines, setConsoleLines] = useState<TranscriptLine[]>([]);
  // Until the worker says (on connecting), the proxy's default: TLS.
  const [serverLegTls, setServerLegTls] = useState(true);
  const [consoleStatus, setConsoleStatus] = useState<ConsoleStatus>({ connected: false, state: 'CLOSED', step: 0 });
  const [panel, setPanel] = useState<'none' | 'settings' | 'protocol'>('none');
  // What the sign-in form shows when it (re)appears: the last values tried,
  // or the saved account; the secret only if the user asked to remember it.
  const [formInit, setFormInit] = useState<Partial<SignInValues>>(() =>
    saved ? { ...saved, secret: localStorage.getItem(K_SECRET) ?? '', remember: localStorage.getItem(K_SECRET) !== null } : {},
  );

  const items = useMemo(() => [...summaries.current.values()].sort(byNewest), [version]);
  const marked = items.filter((s) => s.markedForDeletion).length;
  const online = phase === 'ready' || phase === 'downloading' || phase === 'listing';

  useEffect(
    () =>
      worker.listen((n) => {
        switch (n.type) {
          case 'phase':
            setPhase(n.phase);
            if (n.phase === 'ready') setListProgress(null);
            break;
          case 'summaries':
            for (const s of n.summaries) summaries.current.set(s.uid, s);
            for (const uid of n.removed) summaries.current.delete(uid);
            setVersion((v) => v + 1);
            break;
          case 'progress':
            if (n.what === 'list') setListProgress(n.done >= n.total ? null : { done: n.done, total: n.total });
            else setMsgProgress(n.done >= n.total ? null : { done: n.done, total: n.total });
            break;
          case 'error':
            setError(n.error);
            setMsgProgress(null);
            setListProgress(null);
            break;
          case 'transcript':
            setTranscript((old) => [...old, ...n.entries].slice(-MAX_TRANSCRIPT));
            break;
          case 'console':
            setConsoleLines((old) => [...old, ...n.entries].slice(-MAX_TRANSCRIPT));
            break;
          case 'console-status':
            setConsoleStatus({ connected: n.connected, state: n.state, step: n.step });
            break;
          case 'link':
            setServerLegTls(n.serverLegEncrypted);
            break;
        }
      }),
    [worker],
  );

  const showError = (e: unknown) => {
    if (e instanceof WorkerRequestError) setError(e.info);
    else setError({ kind: 'protocol', detail: String(e) });
  };

  const openOffline = useCallback(
    async (ref: AccountRef) => {
      const r = await worker.request({ type: 'list-offline', account: ref });
      summaries.current = new Map(r.summaries.map((s) => [s.uid, { ...s, markedForDeletion: false }]));
      setVersion((v) => v + 1);
      setAccount(ref);
      return r.summaries.length;
    },
    [worker],
  );

  const signIn = useCallback(
    async (v: SignInValues) => {
      setBusy(true);
      setError(null);
      setFormInit(v);
      const ref: AccountRef = { proxy: v.proxy.replace(/\/+$/, ''), target: v.target, user: v.user };
      const keep: SavedAccount = { ...ref, secretIsToken: v.secretIsToken, auth: v.auth };
      localStorage.setItem(K_ACCOUNT, JSON.stringify(keep));
      if (v.remember) localStorage.setItem(K_SECRET, v.secret);
      else localStorage.removeItem(K_SECRET);
      // Stored mail shows at once; the server's list follows.
      const storedCount = await openOffline(ref).catch(() => 0);
      try {
        await worker.request({
          type: 'sign-in',
          signIn: {
            ...ref,
            secret: v.secret,
            secretIsToken: v.secretIsToken,
            auth: v.auth,
            policy,
            fallbackCharset: charset,
            allowClearText: v.allowClearText,
          },
        });
      } catch (e) {
        showError(e);
        if (storedCount === 0) setAccount(null);
      } finally {
        setBusy(false);
      }
    },
    [worker, policy, charset, openOffline],
  );

  // On load: the last account's stored mail opens offline; with a remembered
  // password we also sign in.
  useEffect(() => {
    if (!saved) return;
    void openOffline(saved).then((n) => {
      if (n === 0) setAccount(null);
      const secret = localStorage.getItem(K_SECRET);
      if (secret) void signIn({ ...saved, secret, remember: true, allowClearText: false });
    });
  }, []);

  const open = useCallback(
    async (uid: string) => {
      if (!accountId) return;
      setSelected(uid);
      setError(null);
      try {
        const m = await worker.request({ type: 'open', accountId, uid, fallbackCharset: charset });
        setMessage(m);
      } catch (e) {
        showError(e);
      } finally {
        setMsgProgress(null);
      }
    },
    [worker, accountId, charset],
  );

  const markDelete = useCallback(
    async (uid: string) => {
      if (!accountId) return;
      try {
        await worker.request({ type: 'mark-delete', accountId, uids: [uid] });
      } catch (e) {
        showError(e);
      }
    },
    [worker, accountId],
  );

  const commit = async () => {
    try {
      const r = await worker.request({ type: 'commit' });
      if (message && r.deleted.includes(message.uid)) setMessage(null);
    } catch (e) {
      showError(e);
    }
  };
  const undo = async () => {
    try {
      await worker.request({ type: 'undo-delete' });
    } catch (e) {
      showError(e);
    }
  };
  const refresh = async () => {
    setError(null);
    try {
      await worker.request({ type: 'refresh' });
    } catch (e) {
      showError(e);
    }
  };
  const signOut = async () => {
    // Forget the secret first: the page may be closed before QUIT returns.
    localStorage.removeItem(K_SECRET);
    setFormInit((f) => ({ ...f, secret: '', remember: false }));
    await worker.request({ type: 'sign-out' }).catch(showError);
    setAccount(null);
    setMessage(null);
    summaries.current = new Map();
    setVersion((v) => v + 1);
  };
  const changePolicy = (p: DeletePolicy) => {
    setPolicy(p);
    localStorage.setItem(K_POLICY, JSON.stringify(p));
    if (accountId) void worker.request({ type: 'set-policy', accountId, policy: p });
  };
  const changeCharset = (cs: string) => {
    setCharset(cs);
    localStorage.setItem(K_CHARSET, cs);
    void worker.request({ type: 'set-charset', accountId, fallbackCharset: cs }).catch(showError);
  };
  // Re-parse the open message when the header charset changes.
  useEffect(() => {
    if (message) void open(message.uid);
  }, [charset]);

  const refreshStorage = () => void worker.request({ type: 'storage' }).then(setStorage, showError);
  const free = async (what: 'bodies' | 'everything') => {
    try {
      setStorage(await worker.request({ type: 'free-storage', accountId, what }));
      if (accountId && account) {
        if (what === 'everything') {
          summaries.current = new Map();
          setVersion((v) => v + 1);
        } else await openOffline(account);
      }
      setMessage(null);
    } catch (e) {
      showError(e);
    }
  };

  // Keyboard: j/k move, Enter opens, Delete marks (not while typing). The
  // listener is registered once and reads the latest state from a ref, so a
  // key pressed right after a click never sees the previous selection.
  const keyState = useRef({ account, items, selected, open, markDelete, online });
  keyState.current = { account, items, selected, open, markDelete, online };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || tag === 'BUTTON' || e.ctrlKey || e.metaKey || e.altKey) return;
      const st = keyState.current;
      if (!st.account || st.items.length === 0) return;
      const i = st.selected ? st.items.findIndex((s) => s.uid === st.selected) : -1;
      const move = (to: number) => {
        const uid = st.items[to]?.uid ?? null;
        keyState.current = { ...st, selected: uid };
        setSelected(uid);
      };
      if (e.key === 'j' || e.key === 'ArrowDown') {
        move(Math.min(st.items.length - 1, i + 1));
        e.preventDefault();
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        move(Math.max(0, i - 1));
        e.preventDefault();
      } else if (e.key === 'Enter' && st.selected) {
        void st.open(st.selected);
        e.preventDefault();
      } else if (e.key === 'Delete' && st.selected && st.online) {
        void st.markDelete(st.selected);
        e.preventDefault();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const errorText = error ? t(`err_${error.kind}` as StringKey) : '';

  return (
    <I18n.Provider value={{ lang, t }}>
      <div class={`app${message ? ' reading' : ''}`}>
        <header class="topbar">
          <span class="brand">{t('appTitle')}</span>
          {account && (
            <span class="status" role="status" aria-live="polite">
              {account.user} · {t(`phase_${phase}` as StringKey)}
            </span>
          )}
          <span class="spacer" />
          {account && (
            <>
              {phase !== 'idle' && phase !== 'closed' ? (
                <button type="button" onClick={() => void refresh()} disabled={busy || phase === 'listing'}>
                  {t('refresh')}
                </button>
              ) : (
                <button type="button" onClick={() => setAccount(null)} disabled={busy}>
                  {t('signIn')}
                </button>
              )}
              <button type="button" aria-expanded={panel === 'protocol'} onClick={() => setPanel(panel === 'protocol' ? 'none' : 'protocol')}>
                {t('protocol')}
              </button>
              <button type="button" aria-expanded={panel === 'settings'} onClick={() => setPanel(panel === 'settings' ? 'none' : 'settings')}>
                {t('settings')}
              </button>
              <button type="button" onClick={() => void signOut()}>
                {t('signOut')}
              </button>
            </>
          )}
          <label class="lang">
            <span class="visually-hidden">{t('language')}</span>
            <select
              aria-label={t('language')}
              value={lang}
              onChange={(e) => {
                const l = e.currentTarget.value as Lang;
                setLang(l);
                saveLang(l);
              }}
            >
              <option value="en">English</option>
              <option value="zh">简体中文</option>
            </select>
          </label>
        </header>
        {error && (
          <div class="error" role="alert">
            <p>{errorText}</p>
            {error.kept !== undefined && error.kind === 'connection-lost' && <p>{t('err_kept', { n: error.kept })}</p>}
            {error.detail && <p class="detail">{error.detail}</p>}
            <button type="button" onClick={() => setError(null)}>
              {t('dismiss')}
            </button>
          </div>
        )}
        {listProgress && (
          <progress class="bar" aria-label={t('loadingList')} max={listProgress.total} value={listProgress.done} />
        )}
        {msgProgress && <progress class="bar" aria-label={t('downloading')} max={msgProgress.total} value={msgProgress.done} />}
        {marked > 0 && (
          <div class="deletebar" role="region" aria-label={t('deletePending', { n: marked })}>
            <p>
              <strong>{t('deletePending', { n: marked })}</strong> {t('deleteExplain')}
            </p>
            <button type="button" onClick={() => void commit()}>
              {t('commitDeletes')}
            </button>
            <button type="button" onClick={() => void undo()}>
              {t('undoDeletes')}
            </button>
          </div>
        )}
        {!account ? (
          <main class="signin-page">
            <SignIn
              initial={formInit}
              busy={busy}
              onSubmit={(v) => void signIn(v)}
              onOpenOffline={saved ? () => void openOffline(saved) : null}
            />
          </main>
        ) : (
          <main class="mailbox">
            <section class="listpane" aria-label={t('mailbox')}>
              <MailList items={items} selected={selected} onSelect={(uid) => { keyState.current = { ...keyState.current, selected: uid }; setSelected(uid); }} onOpen={(uid) => void open(uid)} />
            </section>
            <section class="readpane" aria-label={t('reader')}>
              {message ? (
                <Reader
                  message={message}
                  canDelete={online}
                  fallbackCharset={charset}
                  onFallbackCharset={changeCharset}
                  onDelete={() => void markDelete(message.uid)}
                  onBack={() => setMessage(null)}
                  loadRaw={async () => (await worker.request({ type: 'raw', accountId: message.accountId, uid: message.uid })).bytes}
                />
              ) : (
                <p class="empty">{t('selectMessage')}</p>
              )}
            </section>
            {panel === 'settings' && (
              <aside class="sidepane">
                <SettingsPanel
                  policy={policy}
                  onPolicy={changePolicy}
                  lang={lang}
                  onLang={(l) => {
                    setLang(l);
                    saveLang(l);
                  }}
                  storage={storage}
                  onRefreshStorage={refreshStorage}
                  onFree={(w) => void free(w)}
                  charset={charset}
                  onCharset={changeCharset}
                />
              </aside>
            )}
            {panel === 'protocol' && (
              <aside class="sidepane console-pane">
                <ProtocolPanel lines={transcript} consoleLines={consoleLines} status={consoleStatus} worker={worker} account={account} serverLegTls={serverLegTls} />
              </aside>
            )}
          </main>
        )}
      </div>
    </I18n.Provider>
  );
}
