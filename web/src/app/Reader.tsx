// The reader: headers, the body (plain text wrapped, or sanitized HTML in a
// sandboxed iframe), attachments, "save as .eml" (exact bytes), "view source".
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ParsedMessage } from '../protocol/messages';
import { formatSize, useI18n } from '../i18n';
import { IFRAME_SANDBOX, sanitizeHtml } from '../mail/render';
import { AUTO_CHARSET, LEGACY_CHARSETS } from '../mail/charset';

export function saveBytes(bytes: ArrayBuffer, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function safeFilename(name: string, fallback: string): string {
  const cleaned = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim();
  return cleaned || fallback;
}

export function Reader(props: {
  message: ParsedMessage;
  canDelete: boolean;
  fallbackCharset: string;
  onFallbackCharset: (cs: string) => void;
  onDelete: () => void;
  onBack: () => void;
  loadRaw: () => Promise<ArrayBuffer>;
}) {
  const { t, lang } = useI18n();
  const m = props.message;
  const [remote, setRemote] = useState(false);
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    setRemote(false);
    setSource(null);
  }, [m.accountId, m.uid]);

  const inline = useMemo(
    () => m.attachments.filter((a) => a.contentId).map((a) => ({ contentId: a.contentId as string, mimeType: a.mimeType, content: a.content })),
    [m],
  );
  const rendered = useMemo(() => (m.html !== null ? sanitizeHtml(m.html, inline, remote) : null), [m, inline, remote]);
  const listed = m.attachments.filter((a) => a.disposition !== 'inline' || !a.contentId);

  const saveEml = async () => {
    const raw = await props.loadRaw();
    saveBytes(raw, safeFilename(`${m.subject || m.uid}.eml`, 'message.eml'), 'message/rfc822');
  };
  const toggleSource = async () => {
    if (source !== null) return setSource(null);
    const raw = await props.loadRaw();
    // The raw message as it is; 8-bit parts show as UTF-8 where they are.
    setSource(new TextDecoder('utf-8').decode(raw));
  };

  const date = m.date ? new Date(m.date).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en') : '';
  return (
    <article class="reader" aria-labelledby="reader-subject">
      <div class="toolbar" role="toolbar" aria-label={t('reader')}>
        <button type="button" class="back" onClick={props.onBack}>
          {t('back')}
        </button>
        <button type="button" onClick={props.onDelete} disabled={!props.canDelete}>
          {t('deleteMessage')}
        </button>
        <button type="button" onClick={() => void saveEml()}>
          {t('saveEml')}
        </button>
        <button type="button" onClick={() => void toggleSource()} aria-pressed={source !== null}>
          {source !== null ? t('hideSource') : t('viewSource')}
        </button>
        <label class="charset">
          {t('headerCharset')}
          <select value={props.fallbackCharset} onChange={(e) => props.onFallbackCharset(e.currentTarget.value)}>
            {LEGACY_CHARSETS.map((c) => (
              <option key={c} value={c}>
                {c === AUTO_CHARSET ? t('charsetAuto') : c}
              </option>
            ))}
          </select>
        </label>
      </div>
      <header>
        <h2 id="reader-subject">{m.subject || t('noSubject')}</h2>
        <dl>
          <dt>{t('from')}</dt>
          <dd class="from">{m.fromName ? `${m.fromName} <${m.fromAddress}>` : m.fromAddress}</dd>
          {m.to && (
            <>
              <dt>{t('to')}</dt>
              <dd>{m.to}</dd>
            </>
          )}
          {m.cc && (
            <>
              <dt>{t('cc')}</dt>
              <dd>{m.cc}</dd>
            </>
          )}
          <dt>{t('date')}</dt>
          <dd>{date}</dd>
        </dl>
      </header>
      {source !== null ? (
        <pre class="source" aria-label={t('viewSource')}>
          {source}
        </pre>
      ) : rendered ? (
        <>
          {rendered.remoteBlocked > 0 && !remote && (
            <p class="notice">
              {t('remoteBlocked')}{' '}
              <button type="button" onClick={() => setRemote(true)}>
                {t('loadRemote')}
              </button>
            </p>
          )}
          <iframe class="htmlbody" title={m.subject || t('reader')} sandbox={IFRAME_SANDBOX} srcdoc={rendered.srcdoc} referrerpolicy="no-referrer" />
        </>
      ) : (
        <pre class="textbody">{m.text ?? ''}</pre>
      )}
      {listed.length > 0 && (
        <section class="attachments" aria-label={t('attachments')}>
          <h3>{t('attachments')}</h3>
          <ul>
            {listed.map((a) => (
              <li key={a.index}>
                <span class="name">{a.filename || `part-${a.index + 1}`}</span> <span class="type">{a.mimeType}</span>{' '}
                <span class="size">{formatSize(a.size)}</span>{' '}
                <button
                  type="button"
                  aria-label={`${t('download')} ${a.filename || `part-${a.index + 1}`}`}
                  onClick={() => saveBytes(a.content, safeFilename(a.filename, `part-${a.index + 1}`), 'application/octet-stream')}
                >
                  {t('download')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}
