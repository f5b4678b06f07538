// The page's side of the worker protocol: typed request/response with ids,
// plus a listener for pushed notices.
import type { FromWorker, Notice, Request, RequestEnvelope, ResultOf, WorkerError } from '../protocol/messages';

export class WorkerRequestError extends Error {
  constructor(readonly info: WorkerError) {
    super(info.kind);
  }
}

export class MailWorker {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: WorkerRequestError) => void }>();
  private listeners = new Set<(n: Notice) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (m: MessageEvent<FromWorker>) => {
      const msg = m.data;
      if (msg.type === 'response') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new WorkerRequestError(msg.error));
      } else {
        for (const l of this.listeners) l(msg);
      }
    };
  }

  static start(): MailWorker {
    return new MailWorker(new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' }));
  }

  request<R extends Request>(request: R): Promise<ResultOf[R['type']]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const env: RequestEnvelope = { id, request };
      this.worker.postMessage(env);
    });
  }

  listen(fn: (n: Notice) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
