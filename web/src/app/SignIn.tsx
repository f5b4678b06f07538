// The sign-in form. The password lives in memory only, unless the user ticks
// "remember" after reading what that means.
import { useEffect, useState } from 'preact/hooks';
import type { AuthChoice } from '../protocol/messages';
import { fetchTargets, linkSecurity, type TargetInfo } from '../protocol/link';
import { useI18n } from '../i18n';

export interface SignInValues {
  proxy: string;
  target: string;
  user: string;
  secret: string;
  secretIsToken: boolean;
  auth: AuthChoice;
  remember: boolean;
  /** Send the password over a clear-text leg anyway; asked each time, never saved. */
  allowClearText: boolean;
}

const AUTH_CHOICES: AuthChoice[] = ['auto', 'scram-sha-256', 'cram-md5', 'apop', 'plain', 'login', 'user', 'xoauth2', 'oauthbearer'];

export function SignIn(props: {
  initial: Partial<SignInValues>;
  busy: boolean;
  onSubmit: (v: SignInValues) => void;
  onOpenOffline: (() => void) | null;
}) {
  const { t } = useI18n();
  const [v, setV] = useState<SignInValues>({
    proxy: props.initial.proxy ?? location.origin,
    target: props.initial.target ?? '',
    user: props.initial.user ?? '',
    secret: props.initial.secret ?? '',
    secretIsToken: props.initial.secretIsToken ?? false,
    auth: props.initial.auth ?? 'auto',
    remember: props.initial.remember ?? false,
    allowClearText: false,
  });
  const [targets, setTargets] = useState<TargetInfo[] | null>(null);
  const [targetsFailed, setTargetsFailed] = useState(false);
  const set = <K extends keyof SignInValues>(k: K, val: SignInValues[K]) => setV((o) => ({ ...o, [k]: val }));

  useEffect(() => {
    let cancelled = false;
    setTargets(null);
    setTargetsFailed(false);
    fetchTargets(v.proxy)
      .then((valid) => {
        if (cancelled) return;
        setTargets(valid);
        if (valid.length && !valid.some((x) => x.name === v.target)) set('target', valid[0]?.name ?? '');
      })
      .catch(() => {
        if (!cancelled) setTargetsFailed(true);
      });
    return () => {
      cancelled = true;
    };
    // The list depends on the proxy address only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [v.proxy]);

  // Warn before signing in when a leg of the way leaves the machine in clear
  // text (the worker then refuses to send a password unless allowed).
  const chosen = targets?.find((x) => x.name === v.target);
  const clearLeg = chosen !== undefined && !linkSecurity(v.proxy, chosen).loopback;

  const submit = (e: Event) => {
    e.preventDefault();
    props.onSubmit(v);
  };

  return (
    <form class="signin" onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">{t('signInTitle')}</h1>
      <label>
        {t('proxyAddress')}
        <input type="url" name="proxy" value={v.proxy} required onChange={(e) => set('proxy', e.currentTarget.value)} aria-describedby="proxy-hint" />
      </label>
      <p id="proxy-hint" class="hint">{t('proxyHint')}</p>
      <label>
        {t('server')}
        {targets && targets.length > 0 ? (
          <select name="target" value={v.target} onChange={(e) => set('target', e.currentTarget.value)}>
            {targets.map((x) => (
              <option key={x.name} value={x.name}>
                {x.label || x.name}
              </option>
            ))}
          </select>
        ) : (
          <input name="target" value={v.target} required onInput={(e) => set('target', e.currentTarget.value)} />
        )}
      </label>
      {!targets && !targetsFailed && <p class="hint">{t('serverLoading')}</p>}
      {targetsFailed && <p class="hint">{t('serverUnavailable')}</p>}
      <label>
        {t('userName')}
        <input name="user" autocomplete="username" value={v.user} required onInput={(e) => set('user', e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>{t('secretKind')}</legend>
        <label class="inline">
          <input type="radio" name="secret-kind" checked={!v.secretIsToken} onChange={() => set('secretIsToken', false)} />
          {t('password')}
        </label>
        <label class="inline">
          <input type="radio" name="secret-kind" checked={v.secretIsToken} onChange={() => set('secretIsToken', true)} />
          {t('oauthToken')}
        </label>
      </fieldset>
      <label>
        {v.secretIsToken ? t('oauthToken') : t('password')}
        <input type="password" name="secret" autocomplete="current-password" value={v.secret} required onInput={(e) => set('secret', e.currentTarget.value)} />
      </label>
      <label>
        {t('authMethod')}
        <select name="auth" value={v.auth} onChange={(e) => set('auth', e.currentTarget.value as AuthChoice)}>
          {AUTH_CHOICES.map((a) => (
            <option key={a} value={a}>
              {a === 'auto' ? t('authAuto') : a.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      {clearLeg && (
        <>
          <p id="clear-link-note" class="warning">
            {t('clearLinkWarning')}
          </p>
          <label class="inline">
            <input
              type="checkbox"
              name="allow-clear-text"
              checked={v.allowClearText}
              onChange={(e) => set('allowClearText', e.currentTarget.checked)}
              aria-describedby="clear-link-note"
            />
            {t('allowClearText')}
          </label>
        </>
      )}
      <label class="inline">
        <input type="checkbox" name="remember" checked={v.remember} onChange={(e) => set('remember', e.currentTarget.checked)} aria-describedby="remember-note" />
        {t('remember')}
      </label>
      <p id="remember-note" class={v.remember ? 'warning' : 'hint'} role={v.remember ? 'alert' : undefined}>
        {v.remember ? t('rememberWarning') : t('memoryOnly')}
      </p>
      <div class="actions">
        <button type="submit" disabled={props.busy}>
          {t('signIn')}
        </button>
        {props.onOpenOffline && (
          <button type="button" onClick={props.onOpenOffline}>
            {t('openOffline')}
          </button>
        )}
      </div>
    </form>
  );
}
