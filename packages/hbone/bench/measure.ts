// Measurements shared by the HBONE benchmarks: CPU time of processes, iperf3 throughput, echo latency.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TICKS_PER_SECOND = 100;

/** user + system CPU seconds of a process, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

export interface Throughput {
  readonly gbps: number;
  readonly cpuSecondsPerGB: number;
}

/** iperf3 for `seconds` through `port`, with the CPU time the given processes spent meanwhile. */
export async function iperf(port: number, pids: number[], seconds: number, reverse = false): Promise<Throughput> {
  const before = pids.reduce((t, p) => t + cpuSeconds(p), 0);
  const { stdout } = await run('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J', ...(reverse ? ['-R'] : [])], {
    maxBuffer: 16 << 20,
  });
  const after = pids.reduce((t, p) => t + cpuSeconds(p), 0);
  const end = (JSON.parse(stdout) as { end: { sum_received: { bits_per_second: number; bytes: number } } }).end.sum_received;
  return { gbps: end.bits_per_second / 1e9, cpuSecondsPerGB: pids.length ? ((after - before) / end.bytes) * 1e9 : 0 };
}

export function startIperfServer(port: number): ChildProcess {
  return spawn('iperf3', ['-s', '-p', String(port)], { stdio: 'ignore' });
}

/** A 1-byte echo server in its own process. */
export async function startEchoProcess(): Promise<{ port: number; child: ChildProcess }> {
  const code = "const s=require('net').createServer({allowHalfOpen:true},c=>{c.setNoDelay(true);c.pipe(c)});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { port, child };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Round-trip times (µs) of 1-byte ping-pongs on one kept-alive connection, after a warm-up. */
export async function echoLatency(port: number, rounds: number, warmup: number): Promise<number[]> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((r) => socket.once('connect', r));
  const times: number[] = [];
  const one = Buffer.from([1]);
  for (let i = 0; i < warmup + rounds; i++) {
    const start = process.hrtime.bigint();
    const got = new Promise((r) => socket.once('data', r));
    socket.write(one);
    await got;
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  socket.destroy();
  return times.sort((a, b) => a - b);
}

/** Opens `count` TCP connections through `port` and keeps them idle; returns a closer. */
export async function openIdle(port: number, count: number): Promise<() => void> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    // A byte each way proves the tunnel is up before it idles.
    const echoed = new Promise((r) => s.once('data', r));
    s.write('x');
    await echoed;
    sockets.push(s);
  }
  return () => sockets.forEach((s) => s.destroy());
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
