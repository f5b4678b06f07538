// The mail worker: owns the WebSocket, the POP3 codec, parsing and the
// offline store, so a large download never freezes the page. The page talks
// to it only with the messages of protocol/messages.ts.
/// <reference lib="webworker" />
import '../mail/textdecoder-fix';
import type { FromWorker, Notice, Request, RequestEnvelope, ResultOf, WorkerError } from '../protocol/messages';
import { Failure, Mailbox } from './mailbox';
import { MailStore } from './store';
import { ConsoleSession } from './console';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
const notify = (n: Notice) => post(n);

const ready = MailStore.open().then((store) => ({ store, mailbox: new Mailbox(store, notify) }));
const consoleSession = new ConsoleSession(notify);

async function handle(req: Request): Promise<{ result: ResultOf[Request['type']]; transfer: Transferable[] }> {
  const { store, mailbox } = await ready;
  switch (req.type) {
    case 'sign-in':
      return { result: await mailbox.signInAndSync(req.signIn), transfer: [] };
    case 'refresh':
      return { result: await mailbox.refresh(), transfer: [] };
    case 'list-offline':
      return { result: await mailbox.listOffline(req.account), transfer: [] };
    case 'open': {
      const m = await mailbox.open(req.accountId, req.uid, req.fallbackCharset);
      return { result: m, transfer: m.attachments.map((a) => a.content) };
    }
    case 'raw': {
      const bytes = await mailbox.raw(req.accountId, req.uid);
      return { result: { bytes }, transfer: [bytes] };
    }
    case 'mark-delete':
      return { result: await mailbox.markDelete(req.accountId, req.uids), transfer: [] };
    case 'undo-delete':
      return { result: await mailbox.undoDelete(), transfer: [] };
    case 'commit':
      return { result: await mailbox.commit(), transfer: [] };
    case 'sign-out':
      await mailbox.signOut();
      return { result: {}, transfer: [] };
    case 'storage':
      return { result: await store.storageInfo(), transfer: [] };
    case 'free-storage':
      await store.free(req.accountId, req.what);
      return { result: await store.storageInfo(), transfer: [] };
    case 'set-charset':
      return { result: await mailbox.setCharset(req.accountId, req.fallbackCharset), transfer: [] };
    case 'console-open': {
      await consoleSession.open(mailbox.currentSignIn());
      return { result: {}, transfer: [] };
    }
    case 'console-line':
      return { result: consoleSession.submit(req.line), transfer: [] };
    case 'console-step':
      return { result: { step: await consoleSession.next(mailbox.currentSignIn()) }, transfer: [] };
    case 'console-sasl':
      await consoleSession.sasl(mailbox.currentSignIn());
      return { result: {}, transfer: [] };
    case 'console-close':
      consoleSession.close();
      return { result: {}, transfer: [] };
    case 'set-policy':
      await mailbox.setPolicy(req.accountId, req.policy);
      return { result: {}, transfer: [] };
  }
}

function toWorkerError(e: unknown): WorkerError {
  if (e instanceof Failure) return e.info;
  if (e && typeof e === 'object' && 'kind' in e) return e as WorkerError;
  // Never echo message content or secrets: only the error's class of failure.
  if (e instanceof DOMException) return { kind: 'storage', detail: e.name };
  return { kind: 'protocol', detail: e instanceof Error ? e.message : 'unexpected failure' };
}

self.onmessage = (m: MessageEvent<RequestEnvelope>) => {
  const { id, request } = m.data;
  handle(request).then(
    ({ result, transfer }) => post({ type: 'response', id, ok: true, result }, transfer),
    (e: unknown) => post({ type: 'response', id, ok: false, error: toWorkerError(e) }),
  );
};
