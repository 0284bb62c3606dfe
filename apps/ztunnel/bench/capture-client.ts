// The workload side of the capture bench, run inside a workload's network namespace (`ip netns exec NS node …`),
// since the bench process itself cannot enter one. One job per run, given as JSON; the result is one JSON line on
// stdout. /proc is shared across network namespaces, so CPU of the proxies is read from here, next to the traffic.
// Jobs: {"job":"echo","host","ports":[…]} (echo servers; prints READY, runs until killed),
// {"job":"iperf","host","port","seconds","reverse","pids"}, {"job":"latency","host","port","rounds","warmup","pids"},
// {"job":"paced","host","port","rate","size","seconds","warmupSeconds","pids"} (requests at a fixed rate; each pid's
// vCPU and RSS), {"job":"rate","host","port","concurrency","ms","pids"} (CPU-ms per connection of each pid).
import { readFileSync } from 'node:fs';
import { connectionRate, cpuSeconds, cpuTimes, echoLatency, iperf, pacedEcho, percentile, rssBytes, startEchoProcess, tcpDial, type Throughput } from '@ambient/hbone/testing';

export type ClientJob =
  | { readonly job: 'echo'; readonly host: string; readonly ports: readonly number[] }
  | { readonly job: 'iperf'; readonly host: string; readonly port: number; readonly seconds: number; readonly reverse: boolean; readonly pids: readonly number[] }
  | { readonly job: 'latency'; readonly host: string; readonly port: number; readonly rounds: number; readonly warmup: number; readonly pids: readonly number[] }
  | { readonly job: 'paced'; readonly host: string; readonly port: number; readonly rate: number; readonly size: number; readonly seconds: number; readonly warmupSeconds: number; readonly pids: readonly number[] }
  | { readonly job: 'rate'; readonly host: string; readonly port: number; readonly concurrency: number; readonly ms: number; readonly pids: readonly number[] };

/**
 * iperf3's figures; of the proxies' CPU-s/GB, the part spent in the kernel (TCP, veths, bridge, netfilter); and their
 * read and write system calls per MB moved (/proc/PID/io), which say how well they batch.
 */
export interface IperfResult extends Throughput {
  readonly kernelSecondsPerGB: number;
  /** User-space CPU-s/GB of each pid, in the order given (node-a's proxy, then node-b's). */
  readonly userSecondsPerGBByPid: number[];
  readonly readsPerMB: number;
  readonly writesPerMB: number;
}

/** Read and write system calls of `pids` so far (syscr and syscw of /proc/PID/io). */
function syscalls(pids: readonly number[]): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const pid of pids) {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    reads += Number(/^syscr: (\d+)$/m.exec(io)?.[1] ?? 0);
    writes += Number(/^syscw: (\d+)$/m.exec(io)?.[1] ?? 0);
  }
  return { reads, writes };
}

/** Percentiles of the timed round trips (µs), and each pid's CPU per timed round trip (µs), user space and kernel. */
export interface LatencyResult {
  readonly p50: number;
  readonly p99: number;
  readonly userUsByPid: number[];
  readonly kernelUsByPid: number[];
}

/** Percentiles (µs) of requests at a fixed rate, the rate achieved, and each pid's CPU (vCPU) and RSS (bytes) meanwhile. */
export interface PacedJobResult {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly achievedRate: number;
  readonly vcpuByPid: number[];
  readonly rssByPid: number[];
}

export interface RateResult {
  readonly rate: number;
  /** CPU milliseconds per connection of each pid, in the order given. */
  readonly cpuMs: number[];
}

async function run(job: ClientJob): Promise<unknown> {
  switch (job.job) {
    case 'echo':
      for (const port of job.ports) await startEchoProcess(job.host, port);
      return 'READY';
    case 'iperf': {
      const [before, calls] = [job.pids.map(cpuTimes), syscalls(job.pids)];
      const r = await iperf(job);
      const [after, callsAfter] = [job.pids.map(cpuTimes), syscalls(job.pids)];
      const perGB = (seconds: number): number => (seconds / r.bytes) * 1e9;
      const spent = (field: 'user' | 'system', i: number): number => (after[i]?.[field] ?? 0) - (before[i]?.[field] ?? 0);
      const mb = r.bytes / 1e6;
      return {
        ...r,
        kernelSecondsPerGB: perGB(job.pids.reduce((t, _, i) => t + spent('system', i), 0)),
        userSecondsPerGBByPid: job.pids.map((_, i) => perGB(spent('user', i))),
        readsPerMB: (callsAfter.reads - calls.reads) / mb,
        writesPerMB: (callsAfter.writes - calls.writes) / mb,
      } satisfies IperfResult;
    }
    case 'latency': {
      let before = job.pids.map(cpuTimes);
      const times = await echoLatency(tcpDial(job.port, job.host), job.rounds, job.warmup, () => (before = job.pids.map(cpuTimes)));
      const after = job.pids.map(cpuTimes);
      const perRoundTrip = (field: 'user' | 'system') => job.pids.map((_, i) => (((after[i]?.[field] ?? 0) - (before[i]?.[field] ?? 0)) * 1e6) / job.rounds);
      return { p50: percentile(times, 50), p99: percentile(times, 99), userUsByPid: perRoundTrip('user'), kernelUsByPid: perRoundTrip('system') } satisfies LatencyResult;
    }
    case 'paced': {
      let before = job.pids.map(cpuSeconds);
      const r = await pacedEcho(tcpDial(job.port, job.host), { ...job, onTimed: () => (before = job.pids.map(cpuSeconds)) });
      const vcpuByPid = job.pids.map((pid, i) => (cpuSeconds(pid) - (before[i] ?? 0)) / r.elapsedSeconds);
      const [p50, p90, p99] = [percentile(r.times, 50), percentile(r.times, 90), percentile(r.times, 99)];
      return { p50, p90, p99, achievedRate: r.achievedRate, vcpuByPid, rssByPid: job.pids.map(rssBytes) } satisfies PacedJobResult;
    }
    case 'rate': {
      const before = job.pids.map(cpuSeconds);
      const started = Date.now();
      const rate = await connectionRate(tcpDial(job.port, job.host), job.concurrency, job.ms);
      const count = (rate * (Date.now() - started)) / 1000;
      return { rate, cpuMs: job.pids.map((pid, i) => ((cpuSeconds(pid) - (before[i] ?? 0)) * 1000) / count) } satisfies RateResult;
    }
  }
}

const job = JSON.parse(process.argv[2] ?? 'null') as ClientJob | null;
if (!job || typeof job !== 'object' || !['echo', 'iperf', 'latency', 'paced', 'rate'].includes(job.job)) {
  process.stderr.write(`usage: capture-client.ts '<json job>' (echo, iperf, latency, paced or rate), got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await run(job))}\n`);
if (job.job !== 'echo') process.exit(0);
