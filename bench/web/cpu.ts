// CPU seconds of the processes a benchmark run involves, from /proc (Linux)
// and from Chromium itself (CDP SystemInfo.getProcessInfo, per process type).
// CPU time is what a loaded machine does not stretch the way it stretches
// wall time, so the benchmarks print both.
import { readFileSync, readdirSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';

const TICKS = 100; // USER_HZ on Linux

function statFields(pid: number | 'self'): string[] | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is [0].
    return f.slice(f.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * User + system CPU seconds of a process, plus those of its children that
 * ended and were waited for (Dovecot's per-login processes).
 */
export function cpuSecondsOf(pid: number | 'self'): number {
  const f = statFields(pid);
  if (!f) return 0;
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

/** CPU seconds of the children this process has waited for (mpop, once it exited). */
export function waitedChildrenCpuSeconds(): number {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) / TICKS : 0;
}

/** CPU seconds of a process and all its descendants. */
export function treeCpuSeconds(root: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as number;
    total += cpuSecondsOf(p);
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** CPU seconds per Chromium process type (browser, renderer, GPU, utility…). */
export async function chromiumCpu(browserCdp: CDPSession): Promise<Map<string, number>> {
  const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] };
  const out = new Map<string, number>();
  for (const p of info.processInfo) out.set(p.type, (out.get(p.type) ?? 0) + p.cpuTime);
  return out;
}

