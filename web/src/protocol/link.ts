// How safe the path of a password is: page → pop3ws-proxy (WebSocket) →
// mail server (the proxy's leg: TLS, STARTTLS or clear TCP). The codec sends
// a secret only over an encrypted or loopback link (RFC 8314 §5 asks
// clients not to send credentials in clear), but it sees neither leg itself,
// so the worker works them out and tells it.

/** What pop3ws-proxy's /targets says of one target (proxy/src/http_handler.cpp). */
export interface TargetLink {
  /** The proxy's leg to the mail server: 'tls', 'starttls' or 'none'. */
  security?: string;
  /** The target is named as the proxy's own host (localhost, 127.0.0.0/8, ::1). */
  local?: boolean;
}

/**
 * The codec's link flags (Pop3Session.setLink). A secret may go when either
 * is set. `encrypted` also makes the codec refuse STLS, which the page never
 * needs: TLS to the mail server is the proxy's.
 */
export interface LinkFlags {
  /** The leg to the mail server is encrypted and the page's leg is safe. */
  encrypted: boolean;
  /** Every leg is encrypted or stays on one machine. */
  loopback: boolean;
}

export function isLoopbackHost(url: string): boolean {
  try {
    // URL has already normalised the host (127.1 → 127.0.0.1, case, IPv6 brackets).
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}

/**
 * `target` undefined: the proxy did not say (an older proxy). Its legs are
 * then taken as TLS, pop3ws-proxy's default and the only security a target
 * gets without the operator writing otherwise.
 */
export function linkSecurity(proxyUrl: string, target: TargetLink | undefined): LinkFlags {
  let pageLegEncrypted = false;
  try {
    pageLegEncrypted = /^(https|wss):$/.test(new URL(proxyUrl).protocol);
  } catch {
    /* not a URL: not encrypted */
  }
  const pageLegSafe = pageLegEncrypted || isLoopbackHost(proxyUrl);
  const serverEncrypted = serverLegEncrypted(target);
  const serverLegSafe = serverEncrypted || target?.local === true;
  return { encrypted: pageLegSafe && serverEncrypted, loopback: pageLegSafe && serverLegSafe };
}

/** The proxy's leg to the mail server is TLS or STARTTLS (undefined: the proxy's default, TLS). */
export function serverLegEncrypted(target: TargetLink | undefined): boolean {
  return (target?.security ?? 'tls') !== 'none';
}

/** How long /targets may take before the link is judged without it. */
const TARGETS_TIMEOUT_MS = 5000;

/** One entry of pop3ws-proxy's /targets. */
export interface TargetInfo extends TargetLink {
  name: string;
  label: string;
}

/**
 * The targets in a /targets answer ({"targets": [...], "allowlist": bool};
 * a bare array is taken too), each field checked: the page trusts the proxy,
 * not the shape of what came back.
 */
export function targetsFrom(body: unknown): TargetInfo[] {
  const list = Array.isArray(body) ? body : (body as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(list)) return [];
  return (list as Array<Record<string, unknown> | null>)
    .filter((t): t is Record<string, unknown> => typeof t?.name === 'string')
    .map((t) => ({
      name: t.name as string,
      label: typeof t.label === 'string' ? t.label : '',
      security: typeof t.security === 'string' ? t.security : undefined,
      local: typeof t.local === 'boolean' ? t.local : undefined,
    }));
}

/** The proxy's targets; rejects when it cannot be reached or answers an error. */
export async function fetchTargets(proxyUrl: string, signal?: AbortSignal): Promise<TargetInfo[]> {
  const r = await fetch(`${proxyUrl.replace(/\/+$/, '')}/targets`, { credentials: 'omit', signal });
  if (!r.ok) throw new Error(`/targets: HTTP ${r.status}`);
  return targetsFrom(await r.json());
}

/** One target's link security from the proxy; undefined if it cannot be read. */
export async function fetchTargetLink(proxyUrl: string, name: string): Promise<TargetLink | undefined> {
  try {
    return (await fetchTargets(proxyUrl, AbortSignal.timeout(TARGETS_TIMEOUT_MS))).find((t) => t.name === name);
  } catch {
    return undefined;
  }
}
