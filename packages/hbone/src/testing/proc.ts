// What /proc says about the processes under test and the machine: CPU time and RSS of a process, and whether the
// machine is quiet enough to start measuring.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

const TICKS_PER_SECOND = 100;

/** user + system CPU seconds of a process, from /proc. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** User and system (kernel) CPU seconds of a process apart, from /proc: where a data path's cost lies. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
}

export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** RSS of several processes together (both proxies of a pair, say). */
export function totalRssBytes(pids: readonly number[]): number {
  return pids.reduce((total, pid) => total + rssBytes(pid), 0);
}

/**
 * CPU seconds so far of every process whose name (/proc/PID/comm) starts with `prefix`, and how many there are: what
 * a kernel thread that competes with a bench for the CPUs has taken (`kdamond`, the kernel's DAMON memory reclaim,
 * say). A process that goes away while it is read is left out.
 */
export function cpuSecondsByName(prefix: string): { seconds: number; processes: number } {
  let seconds = 0;
  let processes = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith(prefix)) continue;
      seconds += cpuSeconds(Number(entry));
      processes += 1;
    } catch {
      // Gone between the listing and the read.
    }
  }
  return { seconds, processes };
}

/** Busy and total CPU ticks of the whole machine, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine's CPUs were at least `idleShare` idle over one second (at most `maxMs`), so a bench does
 * not start while the previous one's processes are still going away: the 1-minute load average lags by minutes and
 * says nothing about that. Resolves with the busy share of the last second.
 */
export async function waitForQuietMachine(idleShare = 0.8, maxMs = 30_000): Promise<number> {
  const until = Date.now() + maxMs;
  for (;;) {
    const a = machineTicks();
    await delay(1000);
    const b = machineTicks();
    const busy = b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
    if (busy <= 1 - idleShare || Date.now() >= until) return busy;
  }
}

/**
 * Waits until the total RSS of `pids` moved by at most `toleranceBytes` over the last `windowMs` (sampled every
 * 250 ms; at most `maxMs`), so a memory measurement does not start while a runtime is still growing or giving
 * memory back (V8's memory reducer runs its garbage collections about 8 s after allocation slows down). It does not
 * help against garbage that is collected only once the measurement allocates: the loopback bench measures memory
 * before its traffic for that. Resolves with the milliseconds waited.
 */
export async function waitForSteadyRss(pids: readonly number[], windowMs = 2000, toleranceBytes = 512 * 1024, maxMs = 30_000): Promise<number> {
  const started = Date.now();
  const needed = Math.ceil(windowMs / 250) + 1;
  const recent: number[] = [totalRssBytes(pids)];
  for (;;) {
    if (recent.length === needed && Math.max(...recent) - Math.min(...recent) <= toleranceBytes) return Date.now() - started;
    if (Date.now() - started >= maxMs) return Date.now() - started;
    await delay(250);
    recent.push(totalRssBytes(pids));
    if (recent.length > needed) recent.shift();
  }
}
