// The typed messages between the page (UI) and the mail worker.
//
// The worker owns the WebSocket, the POP3 codec, parsing and the offline
// store; the UI only sends requests and renders what comes back. Requests
// carry an id and get exactly one Response; Notices are pushed at any time.

import type { ConsoleLine } from '../console/interpret';

export type AuthChoice =
  | 'auto' | 'user' | 'apop' | 'plain' | 'login' | 'cram-md5' | 'scram-sha-256'
  | 'xoauth2' | 'oauthbearer';

export type DeletePolicy =
  | { kind: 'leave' }
  | { kind: 'after-download' }
  | { kind: 'after-days'; days: number };

/** What identifies an account; its id is derived from these. */
export interface AccountRef {
  /** Proxy base URL, http(s)://host:port (the page's origin by default). */
  proxy: string;
  /** Target name from the proxy's /targets. */
  target: string;
  user: string;
}

export interface SignIn extends AccountRef {
  secret: string;
  /** The secret is an OAuth2 access token, not a password. */
  secretIsToken: boolean;
  auth: AuthChoice;
  policy: DeletePolicy;
  /** Charset for 8-bit headers that declare none (see mail/charset.ts). */
  fallbackCharset: string;
  /** The user insists on sending the password over a clear-text leg (protocol/link.ts). */
  allowClearText?: boolean;
}

export interface Summary {
  accountId: string;
  uid: string;
  fromName: string;
  fromAddress: string;
  subject: string;
  /** Milliseconds since the epoch; 0 when the Date header is missing or bad. */
  date: number;
  /** Size from LIST: an estimate (some servers count LF line ends). */
  size: number;
  /** The top-level Content-Type suggests attachments (multipart/mixed). */
  attachmentHint: boolean;
  /** Raw message is stored offline. */
  downloaded: boolean;
  /** When this UIDL was first seen (for "remove after N days"). */
  firstSeen: number;
  /** DELE sent in the open session, not yet committed by QUIT. */
  markedForDeletion: boolean;
  /**
   * The header block, kept only when it has 8-bit bytes with no charset, so
   * the list can be decoded again when the user picks another charset.
   */
  header8bit?: ArrayBuffer;
}

export interface AttachmentInfo {
  index: number;
  filename: string;
  mimeType: string;
  size: number;
  contentId: string | null;
  disposition: string | null;
  content: ArrayBuffer;
}

export interface ParsedMessage {
  accountId: string;
  uid: string;
  fromName: string;
  fromAddress: string;
  to: string;
  cc: string;
  subject: string;
  date: number;
  text: string | null;
  html: string | null;
  attachments: AttachmentInfo[];
  rawSize: number;
}

export interface StorageInfo {
  /** navigator.storage.estimate(), when the browser tells. */
  usage: number | null;
  quota: number | null;
  /** Bytes of raw messages we stored. */
  rawBytes: number;
  messages: number;
  downloaded: number;
}

export type ErrorKind =
  | 'wrong-password'
  | 'in-use'
  | 'login-delay'
  | 'server-trouble'
  | 'proxy-unreachable'
  | 'server-unreachable'
  | 'tls-failed'
  | 'unknown-target'
  | 'limit-reached'
  | 'connection-lost'
  | 'protocol'
  | 'codec-missing'
  | 'not-connected'
  | 'not-stored'
  | 'storage'
  | 'refused'
  /** The codec would not send the password: a leg of the way is clear text and leaves the machine. */
  | 'insecure-link'
  /** Commands were due an answer and the server sent nothing for STALL_MS. */
  | 'stalled'
  /** The server hung up during sign-in instead of answering (AOL does on a wrong password). */
  | 'closed-at-login'
  /** A message grew far beyond the size LIST announced (endless body). */
  | 'too-large';

export interface WorkerError {
  kind: ErrorKind;
  /** Server or proxy text shown under the plain-words message (never secrets). */
  detail: string;
  /** For connection-lost: how many messages were safely stored before. */
  kept?: number;
}

export type Request =
  | { type: 'sign-in'; signIn: SignIn }
  | { type: 'refresh' }
  | { type: 'list-offline'; account: AccountRef }
  | { type: 'open'; accountId: string; uid: string; fallbackCharset: string }
  | { type: 'raw'; accountId: string; uid: string }
  | { type: 'mark-delete'; accountId: string; uids: string[] }
  | { type: 'undo-delete' }
  | { type: 'commit' }
  | { type: 'sign-out' }
  | { type: 'storage' }
  | { type: 'free-storage'; accountId: string | null; what: 'bodies' | 'everything' }
  | { type: 'set-policy'; accountId: string; policy: DeletePolicy }
  | { type: 'set-charset'; accountId: string | null; fallbackCharset: string }
  /** The console's own session to the signed-in account's server. */
  | { type: 'console-open' }
  | { type: 'console-line'; line: string }
  | { type: 'console-step' }
  | { type: 'console-sasl' }
  | { type: 'console-close' };

export type RequestType = Request['type'];

/** Result payload of each request type. */
export interface ResultOf {
  'sign-in': { accountId: string; count: number };
  refresh: { count: number };
  'list-offline': { accountId: string; summaries: Summary[] };
  open: ParsedMessage;
  raw: { bytes: ArrayBuffer };
  'mark-delete': { marked: string[] };
  'undo-delete': { restored: string[] };
  commit: { deleted: string[] };
  'sign-out': Record<string, never>;
  storage: StorageInfo;
  'free-storage': StorageInfo;
  'set-policy': Record<string, never>;
  'set-charset': { updated: number };
  'console-open': Record<string, never>;
  'console-line': { command?: string; refusal?: { code: string; detail: string } };
  'console-step': { step: string | null };
  'console-sasl': Record<string, never>;
  'console-close': Record<string, never>;
}

export type RequestEnvelope = { id: number; request: Request };

export type Response =
  | { type: 'response'; id: number; ok: true; result: ResultOf[RequestType] }
  | { type: 'response'; id: number; ok: false; error: WorkerError };

export type Phase = 'idle' | 'connecting' | 'authenticating' | 'listing' | 'ready' | 'downloading' | 'committing' | 'closed';

export type Notice =
  | { type: 'phase'; phase: Phase; accountId: string | null }
  /** Summaries added or changed (list loading in batches). */
  | { type: 'summaries'; accountId: string; summaries: Summary[]; removed: string[] }
  | { type: 'progress'; what: 'list' | 'message'; uid?: string; done: number; total: number }
  | { type: 'error'; error: WorkerError }
  /** Protocol transcript lines for the Protocol panel (secrets redacted by the codec). */
  | { type: 'transcript'; entries: ConsoleLine[] }
  /** Lines of the console's own session (manual, step, lessons). */
  | { type: 'console'; entries: ConsoleLine[] }
  | { type: 'console-status'; connected: boolean; state: string; step: number }
  /** How the proxy reaches the signed-in account's server (for the console's diagram). */
  | { type: 'link'; serverLegEncrypted: boolean };

export type FromWorker = Response | Notice;

export function accountIdOf(a: AccountRef): string {
  return `${a.proxy}|${a.target}|${a.user}`;
}
