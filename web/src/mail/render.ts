// HTML mail, made safe to show: DOMPurify removes scripts, event handlers and
// javascript: URLs; the result goes into an iframe sandboxed without
// allow-scripts and allow-same-origin, whose srcdoc carries a CSP that blocks
// scripts and every remote load (images only when the reader asks, per
// message). cid: references (RFC 2392) become data: URLs of the message's own
// parts. Three layers, because each has failed alone in other mail clients.
import DOMPurify from 'dompurify';

export interface InlinePart {
  contentId: string;
  mimeType: string;
  content: ArrayBuffer;
}

export interface RenderResult {
  srcdoc: string;
  /** Remote images (http/https) that were blocked. */
  remoteBlocked: number;
}

function toDataUrl(part: InlinePart): string {
  const bytes = new Uint8Array(part.content);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  // Only image types become data: URLs; anything else could be HTML or SVG
  // with script in a context we do not control.
  const type = /^image\/(png|jpeg|gif|webp|bmp)$/.test(part.mimeType) ? part.mimeType : 'application/octet-stream';
  return `data:${type};base64,${btoa(bin)}`;
}

const REMOTE = /^\s*(https?:)?\/\//i;
const URL_ATTRS = ['src', 'srcset', 'background', 'poster', 'href', 'action', 'formaction', 'xlink:href'];

export function csp(allowRemoteImages: boolean): string {
  const img = allowRemoteImages ? 'data: https: http:' : 'data:';
  return [
    "default-src 'none'",
    `img-src ${img}`,
    "style-src 'unsafe-inline'",
    'font-src data:',
    "script-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "media-src 'none'",
    "connect-src 'none'",
  ].join('; ');
}

export function sanitizeHtml(html: string, inline: InlinePart[], allowRemoteImages: boolean): RenderResult {
  const byCid = new Map(inline.map((p) => [p.contentId.toLowerCase(), p]));
  let remoteBlocked = 0;
  const purify = DOMPurify();
  purify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    for (const attr of URL_ATTRS) {
      const v = el.getAttribute?.(attr);
      if (v == null) continue;
      if (/^\s*cid:/i.test(v)) {
        const part = byCid.get(decodeURIComponent(v.trim().slice(4)).toLowerCase());
        if (part) el.setAttribute(attr, toDataUrl(part));
        else el.removeAttribute(attr);
      } else if (attr !== 'href' && REMOTE.test(v)) {
        if (!allowRemoteImages || el.tagName !== 'IMG' || attr !== 'src') {
          el.removeAttribute(attr);
          if (el.tagName === 'IMG') {
            remoteBlocked++;
            el.setAttribute('data-blocked', 'remote');
          }
        }
      }
    }
    if (el.tagName === 'A' && el.hasAttribute('href')) {
      // Links open outside the mail view, without telling the site where from.
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
    // Inline style url(...) is a remote load too (CSS exfiltration); the CSP
    // blocks it, and we drop it so nothing even tries.
    const style = el.getAttribute?.('style');
    if (style && /url\s*\(|@import|expression\s*\(/i.test(style)) el.removeAttribute('style');
  });
  purify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && node.textContent && /@import|url\s*\(\s*['"]?\s*(https?:)?\/\//i.test(node.textContent)) {
      node.textContent = node.textContent
        .replace(/@import[^;]*;?/gi, '')
        .replace(/url\s*\(\s*['"]?\s*(https?:)?\/\/[^)]*\)/gi, 'none');
    }
  });
  const clean = purify.sanitize(html, {
    WHOLE_DOCUMENT: false,
    FORBID_TAGS: ['form', 'input', 'button', 'textarea', 'select', 'meta', 'base', 'link', 'iframe', 'frame', 'object', 'embed', 'script', 'audio', 'video', 'source', 'track'],
    FORBID_ATTR: ['srcset', 'ping'],
    ADD_ATTR: ['target'],
    ALLOW_DATA_ATTR: false,
  }) as string;
  const srcdoc =
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${csp(allowRemoteImages)}">` +
    '<meta name="referrer" content="no-referrer">' +
    '<style>body{font-family:system-ui,sans-serif;margin:8px;word-wrap:break-word;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>' +
    `</head><body>${clean}</body></html>`;
  return { srcdoc, remoteBlocked };
}

/** The sandbox of the mail iframe: no scripts, no same-origin, no forms. */
export const IFRAME_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';
