// Progress and summary notices of a bulk download, sent to the page at most
// every PROGRESS_INTERVAL_MS. One notice per committed batch made the page
// re-render its list hundreds of times a second while the worker wanted the
// same CPU (measured with bench/web/profile.sh). Only the latest progress
// counts; summaries of one message replace earlier ones. flush() sends what
// waits at once (the end of a download, an error).
import type { Notice, Summary } from '../protocol/messages';

export const PROGRESS_INTERVAL_MS = 100;

type Progress = Extract<Notice, { type: 'progress' }>;

export class NoticeCoalescer {
  private summaries = new Map<string, Summary>();
  private progress: Progress | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly accountId: string,
    private readonly post: (n: Notice) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  add(summaries: Summary[], progress: Progress): void {
    for (const s of summaries) this.summaries.set(s.uid, s);
    this.progress = progress;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const progress = this.progress;
    const summaries = [...this.summaries.values()];
    this.progress = null;
    this.summaries.clear();
    if (progress) this.post(progress);
    if (summaries.length) this.post({ type: 'summaries', accountId: this.accountId, summaries, removed: [] });
  }
}
