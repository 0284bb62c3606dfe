// Macro bench, one run, side by side: a real ambientd and two real ztunnel processes (app → SOCKS5 → ztunnel A →
// HBONE → ztunnel B → app) against a stunnel4 pair on the same path and against direct TCP. iperf3 throughput both
// ways and CPU-s/GB of both proxies, 1-byte keep-alive round trips, new tunnelled connections per second, memory
// per idle tunnel. Ratios are what to read: absolute figures move with the shared machine's load.
// BENCH_SECONDS (iperf3 run, default 3), BENCH_ROUNDS (rounds through the paths in turn, medians printed; default
// 3), BENCH_IDLE (idle tunnels, default 1000), BENCH_ONLY (comma list of throughput,latency,connections,memory),
// BENCH_CPU_PROF=DIR (run the ztunnels under --cpu-prof, profiles in DIR).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import {
  CONNECTION_WARMUP_MS, connectionRate, cpuSeconds, echoLatency, interleaved, freePort, idleMemoryPerConnection, iperf, percentile, startEchoProcess, startIperfServer,
  stunnelPair, tcpDial, waitForQuietMachine, writeBenchCertificates, type BenchPath, type Dial,
} from '@ambient/hbone/testing';
import { ECHO_IP, SLEEP_IP, SOCKS_PORT, startMesh } from './mesh.js';
import { socksDial } from './socks-dial.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const IDLE = Number(process.env['BENCH_IDLE'] ?? 1000);
const CONCURRENCY = 16;
/**
 * Round trips before timing and timed. A fresh Node proxy runs its per-chunk code unoptimised for a while: after
 * 2,000 round trips ztunnel's p50 was still 1.5× its value 10,000 later. Every path gets the same warm-up.
 */
const LATENCY_WARMUP = 10_000;
const LATENCY_ROUNDS = 10_000;
/** Rounds through the paths in turn, medians printed: one round of the shared machine moves ratios by ±30%. */
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const rounds = ROUNDS > 1 ? `, medians of ${ROUNDS} interleaved rounds` : '';
const ONLY = new Set((process.env['BENCH_ONLY'] ?? 'throughput,latency,connections,memory').split(','));
const PROFILE_DIR = process.env['BENCH_CPU_PROF'];
const LOADER = fileURLToPath(new URL('../../../tools/source-loader.mjs', import.meta.url));
const SHIM = fileURLToPath(new URL('./socks-shim.ts', import.meta.url));

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average at start: ${load()}`);
const dir = mkdtempSync(join(tmpdir(), 'ztunnel-bench-'));
writeBenchCertificates(dir);
const iperfPort = await freePort(ECHO_IP);
const iperfServer = startIperfServer(iperfPort, ECHO_IP);
const echo = await startEchoProcess(ECHO_IP);
const mesh = await startMesh({ dir, ztunnelNodeFlags: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [] });
const socks = { host: SLEEP_IP, port: SOCKS_PORT };
const stopping: (() => void)[] = [];
const pathTo = async (port: number) => {
  const stunnel = await stunnelPair({ host: ECHO_IP, port }, dir);
  stopping.push(() => stunnel.stop());
  return stunnel;
};

async function shim(args: string[]): Promise<BenchPath> {
  const child = spawn(process.execPath, ['--import', LOADER, SHIM, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  stopping.push(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => l.startsWith('READY ') && resolve(Number(l.slice(6))));
    child.once('exit', (code) => reject(new Error(`socks-shim exited with ${code}`)));
  });
  return { name: 'shim', port, pids: [child.pid ?? 0], stop: () => child.kill('SIGKILL') };
}

const vs = (value: number, base: number): string => `${(value / base).toFixed(2)}× direct`;

async function throughput(): Promise<void> {
  const stunnel = await pathTo(iperfPort);
  const plainShim = await shim(['plain', ECHO_IP, String(iperfPort)]);
  const stunnelShim = await shim(['plain', '127.0.0.1', String(stunnel.port)]);
  const socksShim = await shim(['socks', ECHO_IP, String(iperfPort), socks.host, String(socks.port)]);
  const runs = new Map<string, { port: number; host?: string; pids?: number[]; extraPids?: number[] }>([
    ['direct', { port: iperfPort, host: ECHO_IP }],
    ['shim alone (its own cost)', { port: plainShim.port, extraPids: plainShim.pids }],
    ['stunnel pair', { port: stunnel.port, pids: stunnel.pids }],
    ['shim + stunnel pair', { port: stunnelShim.port, pids: stunnel.pids, extraPids: stunnelShim.pids }],
    ['shim (SOCKS5) + ztunnel pair', { port: socksShim.port, pids: mesh.ztunnelPids, extraPids: socksShim.pids }],
  ]);
  const names = [...runs.keys()];
  const target = (name: string) => runs.get(name) ?? { port: 0 };
  // A short run through each path first: the Node proxies' JIT (and its compiler threads' CPU) settles before timing.
  for (const name of names) await iperf({ ...target(name), seconds: 1 });
  for (const reverse of [false, true]) {
    const m = await interleaved(names, ROUNDS, (name) => iperf({ ...target(name), seconds: SECONDS, reverse }));
    const rows: BenchRow[] = [];
    const cpu: BenchRow[] = [];
    const direct = m('direct', (r) => r.gbps);
    for (const name of names) {
      const gbps = m(name, (r) => r.gbps);
      // The baseline keeps its plain name: formatRatioTable finds it by name.
      const plain = name === 'direct' || name === 'stunnel pair';
      rows.push({ name: plain ? name : `${name} (${vs(gbps, direct)})`, value: gbps, unit: 'Gbit/s' });
      if (name.includes('shim')) cpu.push({ name: `${name}: the shim`, value: m(name, (r) => r.extraCpuSecondsPerGB), unit: 'CPU-s/GB', lowerIsBetter: true });
      if (target(name).pids) cpu.push({ name: `${name}: both proxies`, value: m(name, (r) => r.cpuSecondsPerGB), unit: 'CPU-s/GB', lowerIsBetter: true });
    }
    const way = reverse ? 'download (iperf3 -R)' : 'upload';
    console.log(formatRatioTable(`throughput ${way}, iperf3 ${SECONDS}s, one connection${rounds}`, rows, 'stunnel pair'));
    console.log(formatRatioTable(`CPU seconds per GB, ${way}`, cpu, 'stunnel pair: both proxies'));
  }
}

async function latency(): Promise<void> {
  const stunnel = await pathTo(echo.port);
  const dials = new Map<string, Dial>([
    ['direct', tcpDial(echo.port, ECHO_IP)],
    ['stunnel pair', tcpDial(stunnel.port)],
    ['ztunnel pair (SOCKS5 client)', socksDial(socks, { host: ECHO_IP, port: echo.port })],
  ]);
  const m = await interleaved([...dials.keys()], ROUNDS, async (name) => {
    const dial = dials.get(name);
    const t = dial ? await echoLatency(dial, LATENCY_ROUNDS, LATENCY_WARMUP) : [];
    return { p50: percentile(t, 50) / 1000, p99: percentile(t, 99) / 1000 };
  });
  const p50: BenchRow[] = [];
  const p99: BenchRow[] = [];
  const base = { p50: m('direct', (r) => r.p50), p99: m('direct', (r) => r.p99) };
  for (const name of dials.keys()) {
    const r = { p50: m(name, (t) => t.p50), p99: m(name, (t) => t.p99) };
    const added = (k: 'p50' | 'p99') => (name === 'direct' ? '' : ` (+${(r[k] - base[k]).toFixed(3)} ms over direct)`);
    p50.push({ name: `${name}${added('p50')}`, value: r.p50, unit: 'ms', lowerIsBetter: true });
    p99.push({ name: `${name}${added('p99')}`, value: r.p99, unit: 'ms', lowerIsBetter: true });
  }
  console.log(formatRatioTable(`1-byte echo round trip p50, keep-alive connection, 10,000 after 10,000 warm-up${rounds}`, p50, 'direct'));
  console.log(formatRatioTable('1-byte echo round trip p99, keep-alive connection', p99, 'direct'));
}

/** Connections per second through `dial` and the CPU milliseconds each of `pids` spent per connection meanwhile. */
async function rateAndCost(dial: Dial, pids: readonly number[]): Promise<{ rate: number; cpuMs: number[] }> {
  const before = pids.map(cpuSeconds);
  const started = Date.now();
  const rate = await connectionRate(dial, CONCURRENCY, 2000);
  const count = (rate * (Date.now() - started)) / 1000;
  return { rate, cpuMs: pids.map((pid, i) => ((cpuSeconds(pid) - (before[i] ?? 0)) * 1000) / count) };
}

async function connections(): Promise<void> {
  const stunnel = await pathTo(echo.port);
  const ztunnel = socksDial(socks, { host: ECHO_IP, port: echo.port });
  // Warm-up: in a fresh Node process the per-connection code runs unoptimised (and its compiler threads cost CPU).
  await connectionRate(ztunnel, CONCURRENCY, CONNECTION_WARMUP_MS);
  const paths = new Map<string, [Dial, readonly number[]]>([
    ['direct', [tcpDial(echo.port, ECHO_IP), []]],
    ['stunnel', [tcpDial(stunnel.port), stunnel.pids]],
    ['ztunnel', [ztunnel, mesh.ztunnelPids]],
  ]);
  const m = await interleaved([...paths.keys()], ROUNDS, (name) => {
    const [dial, pids] = paths.get(name) ?? [ztunnel, []];
    return rateAndCost(dial, pids);
  });
  const rate = (name: string) => m(name, (r) => r.rate);
  const zName = `ztunnel pair, SOCKS5 + CONNECT on a pooled session (${vs(rate('ztunnel'), rate('direct'))})`;
  console.log(formatRatioTable(`new connections/s, each open + 1-byte echo + close, ${CONCURRENCY} in flight (stunnel: a TLS handshake each)${rounds}`, [
    { name: 'direct', value: rate('direct'), unit: 'conn/s' },
    { name: 'stunnel pair', value: rate('stunnel'), unit: 'conn/s' },
    { name: zName, value: rate('ztunnel'), unit: 'conn/s' },
  ], 'stunnel pair'));
  const [sa, sb, za, zb] = [m('stunnel', (r) => r.cpuMs[0] ?? 0), m('stunnel', (r) => r.cpuMs[1] ?? 0), m('ztunnel', (r) => r.cpuMs[0] ?? 0), m('ztunnel', (r) => r.cpuMs[1] ?? 0)];
  const cpu = (name: string, value: number): BenchRow => ({ name, value, unit: 'CPU-ms/conn', lowerIsBetter: true });
  console.log(formatRatioTable('CPU per new connection, per node (the same runs)', [
    cpu('stunnel pair, both nodes', sa + sb),
    cpu('ztunnel pair, both nodes', za + zb),
    cpu('stunnel, one node', Math.max(sa, sb)),
    cpu('ztunnel node-a (outbound: SOCKS5, plan, CONNECT)', za),
    cpu('ztunnel node-b (inbound: authorize, dial the app)', zb),
  ], 'stunnel pair, both nodes'));
  // The machine-wide rate is bounded by the client, the echo server and both proxies sharing 2 cores; what a node
  // could carry is one core divided by its own CPU per connection.
  const capacity = (name: string, ms: number): BenchRow => ({ name, value: ms > 0 ? 1000 / ms : 0, unit: 'conn/s per core' });
  console.log(formatRatioTable('new connections one core could carry per node (1,000 ms ÷ CPU-ms per connection)', [
    capacity('stunnel, busier node', Math.max(sa, sb)),
    capacity('ztunnel node-a (outbound)', za),
    capacity('ztunnel node-b (inbound)', zb),
  ], 'stunnel, busier node'));
}

async function memory(): Promise<void> {
  const stunnel = await pathTo(echo.port);
  const s = await idleMemoryPerConnection(tcpDial(stunnel.port), stunnel.pids, IDLE);
  const z = await idleMemoryPerConnection(socksDial(socks, { host: ECHO_IP, port: echo.port }), mesh.ztunnelPids, IDLE);
  const row = (name: string, bytes: number): BenchRow => ({ name, value: bytes / 1024, unit: 'KiB/conn', lowerIsBetter: true });
  console.log(formatRatioTable(`memory per idle connection (RSS growth of both proxies while ${IDLE} are held)`, [
    row('stunnel pair, first round', s.first),
    row('ztunnel pair, first round', z.first),
    row('stunnel pair, second round (after the first closed)', s.again),
    row('ztunnel pair, second round (after the first closed)', z.again),
  ], 'stunnel pair, first round'));
}

try {
  console.log(`CPU busy in the second before measuring: ${(100 * (await waitForQuietMachine())).toFixed(0)}%`);
  // Memory first, while the proxies hold no garbage from the traffic of the other parts: measured last, a garbage
  // collection of that traffic during the first round gave back more than the round's connections took (-20 KiB).
  if (ONLY.has('memory')) await memory();
  if (ONLY.has('throughput')) await throughput();
  if (ONLY.has('latency')) await latency();
  if (ONLY.has('connections')) await connections();
  console.log(`load average at end: ${load()}`);
} finally {
  for (const stop of stopping) stop();
  await mesh.stop();
  iperfServer.kill();
  echo.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
