// Types of the codec's JS API: the embind Session (session_bindings.cpp) and
// the wrapper in pop3ws.mjs. Names mirror pop3ws/session.hpp.

/** An error as a value (pop3ws::Error); `code` is to_string(ErrorCode). */
export interface CodecError {
  code:
    | 'wrong-state' | 'bad-argument' | 'argument-injection' | 'insecure-auth'
    | 'unsupported-mechanism' | 'queue-full' | 'line-too-long' | 'buffer-limit'
    | 'malformed-response' | 'unexpected-data' | 'stls-injection' | 'sasl-failure'
    | 'connection-closed' | 'server-rejected' | 'failed' | (string & {});
  detail: string;
}

/** Command names as sent on the wire ("RETR"), or "(AUTH response)". */
export type CommandName =
  | 'USER' | 'PASS' | 'APOP' | 'AUTH' | 'STAT' | 'LIST' | 'RETR' | 'DELE' | 'NOOP'
  | 'RSET' | 'QUIT' | 'TOP' | 'UIDL' | 'CAPA' | 'STLS' | 'UTF8' | (string & {});

/** Extended response codes (RFC 2449 §8, RFC 3206); '' when none. */
export type ResponseCodeName =
  | '' | 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH' | 'UTF8' | (string & {});

export interface Capabilities {
  known: boolean;
  top: boolean;
  uidl: boolean;
  user: boolean;
  pipelining: boolean;
  respCodes: boolean;
  authRespCode: boolean;
  stls: boolean;
  utf8: boolean;
  utf8User: boolean;
  sasl: string[];
  loginDelay: number | null;
  expire: string | null;
  implementation: string;
  other: string[];
}

export type ReplyDetail =
  | null
  | { kind: 'stat'; count: number; octets: number }
  | { kind: 'list'; message: number; octets: number }
  | { kind: 'uidl'; message: number; uid: string };

export type CodecEvent =
  | { type: 'greeting'; ok: boolean; text: string; apopTimestamp: string }
  | {
      type: 'reply';
      command: CommandName;
      message: number;
      ok: boolean;
      multiline: boolean;
      code: ResponseCodeName;
      codeText: string;
      text: string;
      detail: ReplyDetail;
    }
  | { type: 'list-item'; message: number; octets: number }
  | { type: 'uidl-item'; message: number; uid: string }
  /** Dot-unstuffed message bytes; the wrapper hands out a copy. */
  | { type: 'body'; command: CommandName; message: number; data: Uint8Array }
  | { type: 'capabilities'; capabilities: Capabilities | null }
  | { type: 'multiline-end'; command: CommandName; message: number }
  | { type: 'start-tls' }
  | { type: 'cancelled'; command: CommandName; message: number }
  | { type: 'closed'; clean: boolean }
  | { type: 'protocol-error'; error: CodecError };

export type RawEvent = CodecEvent | { type: 'need-data' };

export interface SessionSettings {
  maxLine?: number;
  maxBufferedInput?: number;
  pipelineWindow?: number;
  maxQueuedCommands?: number;
  transcriptCapacity?: number;
  pipelining?: 'auto' | 'on' | 'off';
  recapa?: boolean;
  /** Let a typed PASS or APOP go over an unencrypted non-loopback link (Settings::allow_insecure_auth). */
  allowInsecureAuth?: boolean;
}

export type AuthMethodName =
  | 'auto' | 'user' | 'apop' | 'plain' | 'login' | 'cram-md5' | 'scram-sha-256'
  | 'xoauth2' | 'oauthbearer';

export interface LoginRequest {
  method?: AuthMethodName;
  user: string;
  /** Password, or OAuth2 access token when secretIsToken. */
  secret: string;
  secretIsToken?: boolean;
  authzid?: string;
  /** SCRAM: at least 16 random printable characters. */
  clientNonce?: string;
  host?: string;
  port?: number;
  initialResponse?: 'auto' | 'always' | 'never';
  allowInsecure?: boolean;
}

export interface TranscriptEntry {
  direction: 'C' | 'S' | 'note';
  text: string;
  octets: number;
}

export type SessionState =
  | 'GREETING' | 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE' | 'CLOSED' | 'FAILED' | (string & {});

/** The embind class itself (session_bindings.cpp). */
export interface RawSession {
  inputView(n: number): { view: Uint8Array; error?: undefined } | { error: CodecError; view?: undefined };
  commitInput(n: number): CodecError | null;
  receiveEof(): void;
  nextEvent(): RawEvent;
  pendingOutput(): Uint8Array;
  consumeOutput(n: number): void;
  inFlight(): number;
  outstanding(): number;
  user(name: string): CodecError | null;
  pass(password: string): CodecError | null;
  apop(name: string, secret: string): CodecError | null;
  stat(): CodecError | null;
  list(message: number | null): CodecError | null;
  uidl(message: number | null): CodecError | null;
  retr(message: number): CodecError | null;
  top(message: number, lines: number): CodecError | null;
  dele(message: number): CodecError | null;
  noop(): CodecError | null;
  rset(): CodecError | null;
  quit(): CodecError | null;
  capa(): CodecError | null;
  stls(): CodecError | null;
  utf8(): CodecError | null;
  login(req: LoginRequest): CodecError | null;
  submitLine(line: string): { command: CommandName; error?: undefined } | { error: CodecError; command?: undefined };
  setLink(encrypted: boolean, loopback: boolean): void;
  tlsEstablished(): CodecError | null;
  state(): SessionState;
  capabilities(): Capabilities;
  apopTimestamp(): string;
  pipeliningActive(): boolean;
  utf8Active(): boolean;
  failure(): CodecError | null;
  nextTranscriptEntry(): TranscriptEntry | null;
  transcriptDropped(): number;
  delete(): void;
}

export interface CodecModule {
  Session: new (settings?: SessionSettings) => RawSession;
}

/** Default export of the generated pop3ws_codec.mjs. */
export type CodecFactory = (options?: {
  locateFile?: (path: string, prefix: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
}) => Promise<CodecModule>;

export declare function loadCodec(
  factory: CodecFactory,
  moduleOptions?: Parameters<CodecFactory>[0],
): Promise<{ module: CodecModule; createSession(settings?: SessionSettings): Pop3Session }>;

export declare class Pop3Session {
  constructor(raw: RawSession);
  raw: RawSession | null;
  feed(bytes: Uint8Array, onEvent: (ev: CodecEvent) => void): CodecError | null;
  eof(onEvent: (ev: CodecEvent) => void): void;
  drain(onEvent: (ev: CodecEvent) => void): void;
  takeOutput(): Uint8Array;
  readonly state: SessionState;
  readonly capabilities: Capabilities;
  readonly failure: CodecError | null;
  readonly inFlight: number;
  readonly outstanding: number;
  readonly pipeliningActive: boolean;
  readonly apopTimestamp: string;
  setLink(encrypted: boolean, loopback: boolean): void;
  tlsEstablished(): CodecError | null;
  login(req: LoginRequest): CodecError | null;
  user(name: string): CodecError | null;
  pass(password: string): CodecError | null;
  apop(name: string, secret: string): CodecError | null;
  stat(): CodecError | null;
  list(message?: number): CodecError | null;
  uidl(message?: number): CodecError | null;
  retr(message: number): CodecError | null;
  top(message: number, lines: number): CodecError | null;
  dele(message: number): CodecError | null;
  noop(): CodecError | null;
  rset(): CodecError | null;
  quit(): CodecError | null;
  capa(): CodecError | null;
  stls(): CodecError | null;
  utf8(): CodecError | null;
  submitLine(line: string): { command: CommandName; error?: undefined } | { error: CodecError; command?: undefined };
  takeTranscript(): TranscriptEntry[];
  close(): void;
}
