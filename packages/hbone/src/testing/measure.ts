// Measurements the data-path benchmarks share (hbone's and ztunnel's): iperf3 throughput, 1-byte echo round trips,
// connection rates and idle connections through any way of dialling (what /proc says is in proc.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { cpuSeconds, totalRssBytes, waitForSteadyRss } from './proc.js';
import { median } from './rounds.js';

const run = promisify(execFile);

/**
 * Opens one connection through the path under test, connected and ready: a TCP socket (plain, after a SOCKS5
 * handshake …) or a tunnel stream from an HBONE client in this very process.
 */
export type Dial = () => Promise<Duplex>;

/** A Dial for plain TCP to host:port, without Nagle. */
export function tcpDial(port: number, host = '127.0.0.1'): Dial {
  return () =>
    new Promise((resolve, reject) => {
      const s = net.connect({ host, port, noDelay: true });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
}

const totalCpu = (pids: readonly number[]): number => pids.reduce((t, p) => t + cpuSeconds(p), 0);

export interface Throughput {
  readonly gbps: number;
  readonly bytes: number;
  /** CPU seconds of `pids` per 10⁹ bytes moved (0 without pids). */
  readonly cpuSecondsPerGB: number;
  /** The same for `extraPids` (a shim in front of the path, counted apart). */
  readonly extraCpuSecondsPerGB: number;
}

export interface IperfOptions {
  readonly port: number;
  readonly host?: string;
  readonly seconds: number;
  /** Download direction (iperf3 -R): the server sends. */
  readonly reverse?: boolean;
  /** Processes whose CPU counts as the path's. */
  readonly pids?: readonly number[];
  readonly extraPids?: readonly number[];
}

/** iperf3 for `seconds` through host:port, with the CPU time the given processes spent meanwhile. */
export async function iperf(options: IperfOptions): Promise<Throughput> {
  const { pids = [], extraPids = [] } = options;
  const before = [totalCpu(pids), totalCpu(extraPids)];
  const args = ['-c', options.host ?? '127.0.0.1', '-p', String(options.port), '-t', String(options.seconds), '-J', ...(options.reverse ? ['-R'] : [])];
  const { stdout } = await run('iperf3', args, { maxBuffer: 16 << 20 });
  const after = [totalCpu(pids), totalCpu(extraPids)];
  const end = (JSON.parse(stdout) as { end: { sum_received: { bits_per_second: number; bytes: number } } }).end.sum_received;
  const perGb = (i: number) => (((after[i] ?? 0) - (before[i] ?? 0)) / end.bytes) * 1e9;
  return { gbps: end.bits_per_second / 1e9, bytes: end.bytes, cpuSecondsPerGB: perGb(0), extraCpuSecondsPerGB: perGb(1) };
}

export function startIperfServer(port: number, host = '127.0.0.1'): ChildProcess {
  return spawn('iperf3', ['-s', '-B', host, '-p', String(port)], { stdio: 'ignore' });
}

/** An echo server (1-byte ping-pongs, idle connections) in its own process, so it takes no CPU from the bench's. */
export async function startEchoProcess(host = '127.0.0.1', port = 0): Promise<{ port: number; child: ChildProcess }> {
  const code = `const s=require('net').createServer({allowHalfOpen:true},c=>{c.setNoDelay(true);c.on('error',()=>{});c.pipe(c)});s.listen(${port},${JSON.stringify(host)},()=>process.stdout.write(s.address().port+'\\n'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const bound = await new Promise<number>((resolve, reject) => {
    // Written as text, not console.log(number): under FORCE_COLOR (nx run sets it) that prints ANSI colour codes.
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`echo process exited with ${code} before it listened`)));
  });
  return { port: bound, child };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A round trip with no answer for this long fails the measurement instead of hanging the bench. */
const ROUND_TRIP_STALL_MS = 10_000;

/**
 * Round-trip times (µs, sorted) of 1-byte ping-pongs on one kept-alive connection to an echo, after a warm-up.
 * Rejects, naming the round, when the connection closes or no answer comes for ROUND_TRIP_STALL_MS. `onTimed` runs
 * once, after the warm-up and before the first timed round (to read the proxies' CPU times over the timed rounds).
 */
export async function echoLatency(dial: Dial, rounds: number, warmup: number, onTimed?: () => void): Promise<number[]> {
  const socket = await dial();
  const times: number[] = [];
  const one = Buffer.from([1]);
  let answered: (() => void) | undefined;
  let failed: ((err: Error) => void) | undefined;
  let round = 0;
  const fail = (why: string) => failed?.(new Error(`echo round trip ${round} of ${warmup + rounds}: ${why}`));
  socket.on('data', () => answered?.());
  socket.once('close', () => fail('the connection closed'));
  socket.once('error', (err) => fail(err.message));
  // One watchdog for the whole run rather than a timer per round trip, which would be part of what is timed.
  let seen = -1;
  const watchdog = setInterval(() => {
    if (round === seen) fail(`no answer for ${ROUND_TRIP_STALL_MS / 1000} s`);
    seen = round;
  }, ROUND_TRIP_STALL_MS);
  try {
    for (round = 0; round < warmup + rounds; round++) {
      if (round === warmup) onTimed?.();
      const start = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        answered = resolve;
        failed = reject;
        socket.write(one);
      });
      if (round >= warmup) times.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  } finally {
    clearInterval(watchdog);
    failed = undefined;
    socket.destroy();
  }
  return times.sort((a, b) => a - b);
}

/** One whole connection to an echo: open, one byte there and back, graceful close. */
export async function echoOnce(dial: Dial): Promise<void> {
  const s = await dial();
  await new Promise<void>((resolve, reject) => {
    s.once('data', () => s.end());
    s.once('close', () => resolve());
    s.once('error', reject);
    s.write('x');
  });
}

/**
 * Connections to open through a fresh proxy before its rate or CPU per connection is timed. Measured through two
 * fresh ztunnels, 2-s windows back to back: CPU-ms per connection 1.3 / 0.73 / 0.56 / 0.53 / 0.51, flat from about
 * the fourth window on; until then V8 is still compiling the per-connection code (its compiler threads' CPU counts).
 */
export const CONNECTION_WARMUP_MS = 8000;

/** Whole echo connections per second, `concurrency` at a time, for `ms` milliseconds. */
export async function connectionRate(dial: Dial, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const started = Date.now();
  const until = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await echoOnce(dial);
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

/** Opens `count` connections to an echo through `dial`, proves each with one byte, keeps them idle; returns a closer. */
export async function openIdle(dial: Dial, count: number): Promise<() => void> {
  const sockets: Duplex[] = [];
  for (let i = 0; i < count; i++) {
    const s = await dial();
    s.on('error', () => undefined);
    const echoed = new Promise((r) => s.once('data', r));
    s.write('x');
    await echoed;
    sockets.push(s);
  }
  return () => sockets.forEach((s) => s.destroy());
}

export interface IdleMemory {
  /** RSS growth per connection (bytes) while the first `count` connections are held. */
  readonly first: number;
  /** The same for a second round after the first was closed: what holding them costs once pools have grown. */
  readonly again: number;
}

/** Each round opens its connections in this many batches and reads RSS after each. */
const MEMORY_BATCHES = 5;

/**
 * RSS growth of `pids` per idle connection opened through `dial`, two rounds of `count`. A process keeps much of
 * what the first round allocated (heap, allocator arenas, thread stacks), so the rounds bracket the real cost.
 * A round is the median of its batches' growth: a garbage collection in a Node proxy during one batch gives back
 * more than the batch took (a single before/after reading came out at −22 KiB per connection), and the median
 * leaves that batch out. A round starts once the processes' RSS has held still for 2 s (`waitForSteadyRss`).
 */
export async function idleMemoryPerConnection(dial: Dial, pids: readonly number[], count: number): Promise<IdleMemory> {
  await openIdle(dial, 20).then((close) => close());
  const rss = () => totalRssBytes(pids);
  const batch = Math.max(1, Math.ceil(count / MEMORY_BATCHES));
  const round = async (): Promise<number> => {
    await waitForSteadyRss(pids);
    const closers: (() => void)[] = [];
    const growth: number[] = [];
    let last = rss();
    for (let opened = 0; opened < count; opened += batch) {
      const size = Math.min(batch, count - opened);
      closers.push(await openIdle(dial, size));
      await delay(100);
      const now = rss();
      growth.push((now - last) / size);
      last = now;
    }
    for (const close of closers) close();
    return median(growth);
  };
  const first = await round();
  return { first, again: await round() };
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Resolves once something accepts connections on host:port (tries for about 5 s). */
export async function waitForPort(port: number, host = '127.0.0.1'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await delay(50);
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}
