// Settings: what happens on the server after download, language, the charset
// for undeclared 8-bit headers, and the offline storage used (with a way to
// free it).
import { useEffect, useState } from 'preact/hooks';
import type { DeletePolicy, StorageInfo } from '../protocol/messages';
import { formatSize, useI18n, type Lang } from '../i18n';
import { AUTO_CHARSET, LEGACY_CHARSETS } from '../mail/charset';

export function SettingsPanel(props: {
  policy: DeletePolicy;
  onPolicy: (p: DeletePolicy) => void;
  lang: Lang;
  onLang: (l: Lang) => void;
  storage: StorageInfo | null;
  onRefreshStorage: () => void;
  onFree: (what: 'bodies' | 'everything') => void;
  charset: string;
  onCharset: (cs: string) => void;
}) {
  const { t } = useI18n();
  const [days, setDays] = useState(props.policy.kind === 'after-days' ? props.policy.days : 30);
  useEffect(() => props.onRefreshStorage(), []);
  const s = props.storage;
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings')}</h2>
      <fieldset>
        <legend>{t('policy')}</legend>
        <label class="inline">
          <input type="radio" name="policy" checked={props.policy.kind === 'leave'} onChange={() => props.onPolicy({ kind: 'leave' })} />
          {t('policyLeave')}
        </label>
        <label class="inline">
          <input type="radio" name="policy" checked={props.policy.kind === 'after-download'} onChange={() => props.onPolicy({ kind: 'after-download' })} />
          {t('policyAfterDownload')}
        </label>
        <label class="inline">
          <input type="radio" name="policy" checked={props.policy.kind === 'after-days'} onChange={() => props.onPolicy({ kind: 'after-days', days })} />
          {t('policyAfterDays')}
        </label>
        <label class="inline">
          <input
            type="number"
            min={1}
            max={3650}
            value={days}
            aria-label={`${t('policyAfterDays')} (${t('days')})`}
            onChange={(e) => {
              const d = Math.max(1, Number(e.currentTarget.value) || 1);
              setDays(d);
              if (props.policy.kind === 'after-days') props.onPolicy({ kind: 'after-days', days: d });
            }}
          />
          {t('days')}
        </label>
      </fieldset>
      <label>
        {t('language')}
        <select value={props.lang} onChange={(e) => props.onLang(e.currentTarget.value as Lang)}>
          <option value="en">English</option>
          <option value="zh">简体中文</option>
        </select>
      </label>
      <label>
        {t('headerCharset')}
        <select value={props.charset} onChange={(e) => props.onCharset(e.currentTarget.value)}>
          {LEGACY_CHARSETS.map((c) => (
            <option key={c} value={c}>
              {c === AUTO_CHARSET ? t('charsetAuto') : c}
            </option>
          ))}
        </select>
      </label>
      <h3>{t('storage')}</h3>
      <p class="storage" aria-live="polite">
        {s ? t('storageUsed', { raw: formatSize(s.rawBytes), n: s.downloaded, total: s.usage !== null ? formatSize(s.usage) : '?' }) : '…'}
      </p>
      <div class="actions">
        <button type="button" onClick={() => props.onFree('bodies')}>
          {t('freeBodies')}
        </button>
        <button type="button" onClick={() => props.onFree('everything')}>
          {t('freeAll')}
        </button>
      </div>
    </section>
  );
}
