// HBONE data path against a stunnel pair and a plain Node TLS pair, side by side in one run on loopback:
// throughput and CPU-s/GB (iperf3), 1-byte latency added over direct (also with the HBONE client inside the
// measuring process, as a Node service in the mesh has it), tunnel setup on a pooled session, and memory per idle
// tunnel. Ratios are what to read: absolute numbers move with the machine's load.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { HboneClient } from '../src/index.js';
import { readMaterial } from './certs.js';
import { cpuTimes, echoLatency, freePort, iperf, openIdle, percentile, totalRssBytes, startEchoProcess, startIperfServer, stunnelPair, tcpDial, writeBenchCertificates } from '../src/testing/index.js';
import { hbonePath, nodeTcpPath, nodeTlsPath, type Path } from './paths.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'hbone-bench-'));
writeBenchCertificates(dir);
const iperfPort = await freePort();
const iperfServer = startIperfServer(iperfPort);
const echo = await startEchoProcess();
await new Promise((r) => setTimeout(r, 300));

type PathFactory = (target: number, dir: string) => Promise<Path>;
const paths: [string, PathFactory][] = [
  ['stunnel pair', (target, d) => stunnelPair({ host: '127.0.0.1', port: target }, d)],
  ['node TLS pair', nodeTlsPath],
  ['hbone pair', hbonePath],
];

async function withPath<T>(factory: PathFactory, target: number, use: (p: Path) => Promise<T>): Promise<T> {
  const path = await factory(target, dir);
  try {
    return await use(path);
  } finally {
    path.stop();
  }
}

try {
  // 1. Bulk throughput and CPU, upload then download.
  const up: BenchRow[] = [];
  const down: BenchRow[] = [];
  const cpu: BenchRow[] = [];
  up.push({ name: 'direct', value: (await iperf({ port: iperfPort, seconds: SECONDS })).gbps, unit: 'Gbit/s' });
  for (const [name, factory] of paths) {
    await withPath(factory, iperfPort, async (p) => {
      const u = await iperf({ port: p.port, pids: p.pids, seconds: SECONDS });
      const d = await iperf({ port: p.port, pids: p.pids, seconds: SECONDS, reverse: true });
      up.push({ name, value: u.gbps, unit: 'Gbit/s' });
      down.push({ name, value: d.gbps, unit: 'Gbit/s' });
      cpu.push({ name, value: u.cpuSecondsPerGB, unit: 'CPU-s/GB', lowerIsBetter: true });
    });
  }
  console.log(formatRatioTable(`upload throughput, iperf3 ${SECONDS}s`, up, 'stunnel pair'));
  console.log(formatRatioTable('download throughput (iperf3 -R)', down, 'stunnel pair'));
  console.log(formatRatioTable('CPU seconds of both proxies per GB (upload)', cpu, 'stunnel pair'));

  // 2. 1-byte echo latency on a kept-alive connection, after warm-up, and what a round trip costs both proxies in
  // CPU: user space (the proxy's own work) apart from the kernel (system calls, wake-ups, loopback TCP). The plain
  // Node relay pair is the floor of any Node proxy: its event loop and streams with no TLS or HTTP/2.
  const p50: BenchRow[] = [];
  const p99: BenchRow[] = [];
  const cpuPerRoundTrip: BenchRow[] = [];
  const ROUND_TRIPS = 5000;
  const direct = await echoLatency(tcpDial(echo.port), 5000, 1000);
  const base = { p50: percentile(direct, 50), p99: percentile(direct, 99) };
  p50.push({ name: 'direct', value: base.p50, unit: 'µs', lowerIsBetter: true });
  p99.push({ name: 'direct', value: base.p99, unit: 'µs', lowerIsBetter: true });
  for (const [name, factory] of [...paths, ['node TCP relay pair', nodeTcpPath] as [string, PathFactory]]) {
    await withPath(factory, echo.port, async (p) => {
      const cpu = () => p.pids.map(cpuTimes).reduce((t, c) => ({ user: t.user + c.user, system: t.system + c.system }), { user: 0, system: 0 });
      let before = cpu();
      const t = await echoLatency(tcpDial(p.port), ROUND_TRIPS, 2000, () => (before = cpu()));
      const after = cpu();
      const us = (seconds: number): number => (seconds * 1e6) / ROUND_TRIPS;
      cpuPerRoundTrip.push(
        { name: `${name}, user space`, value: us(after.user - before.user), unit: 'CPU-µs/round trip', lowerIsBetter: true },
        { name: `${name}, kernel`, value: us(after.system - before.system), unit: 'CPU-µs/round trip', lowerIsBetter: true },
      );
      p50.push({ name, value: percentile(t, 50), unit: 'µs', lowerIsBetter: true });
      p99.push({ name: `${name} (added ${Math.round(percentile(t, 99) - base.p99)} µs)`, value: percentile(t, 99), unit: 'µs', lowerIsBetter: true });
    });
  }
  console.log(formatRatioTable('1-byte echo round trip p50, keep-alive', p50, 'direct'));
  console.log(formatRatioTable('1-byte echo round trip p99, keep-alive', p99, 'direct'));
  console.log(formatRatioTable('CPU of both proxies per keep-alive round trip (the same runs)', cpuPerRoundTrip, 'stunnel pair, user space'));

  // 3. Tunnel setup on one pooled session (library in this process → hbone server process).
  await withPath(hbonePath, echo.port, async (p) => {
    const serverPort = await serverPortOf(p);
    const client = new HboneClient({ tls: readMaterial(dir, 'client') });
    const request = {
      nextHop: { host: '127.0.0.1', port: serverPort },
      authority: `127.0.0.1:${echo.port}`,
      expectedIdentities: ['spiffe://cluster.local/ns/bench/sa/server'],
    };
    const oneTunnel = async () => {
      const start = process.hrtime.bigint();
      const s = await client.connect(request);
      const setup = Number(process.hrtime.bigint() - start) / 1000;
      await new Promise<void>((resolve) => {
        s.once('data', () => s.end());
        s.once('close', resolve);
        s.resume();
        s.write('x');
      });
      return setup;
    };
    for (let i = 0; i < 300; i++) await oneTunnel();
    const setups: number[] = [];
    for (let i = 0; i < 2000; i++) setups.push(await oneTunnel());
    setups.sort((a, b) => a - b);
    const rate = async (concurrency: number) => {
      let done = 0;
      const until = Date.now() + 2000;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (Date.now() < until) {
          await oneTunnel();
          done += 1;
        }
      }));
      return done / 2;
    };
    // A Node service in the mesh carries its own HBONE client: one proxy process on the path instead of two. The
    // same keep-alive round trips as section 2, next to a direct run of their own (a p99 moves with the minute it is
    // taken in); this process's own TLS and HTTP/2 work is inside what it times.
    const near = await echoLatency(tcpDial(echo.port), ROUND_TRIPS, 2000);
    const inApp = await echoLatency(() => client.connect(request), ROUND_TRIPS, 2000);
    const row = (name: string, times: number[], p: number, added?: number): BenchRow => ({
      name: added === undefined ? name : `${name} (added ${Math.round(percentile(times, p) - added)} µs)`, value: percentile(times, p), unit: 'µs', lowerIsBetter: true,
    });
    console.log(formatRatioTable('1-byte echo round trip, keep-alive: HBONE client in the app process → hbone server process → echo', [
      row('direct p50', near, 50), row('in-app client p50', inApp, 50, percentile(near, 50)),
      row('direct p99', near, 99), row('in-app client p99', inApp, 99, percentile(near, 99)),
    ], 'direct p50'));
    const tlsPerSecond = await newTlsConnectionsPerSecond();
    console.log(formatRatioTable('new tunnel on a pooled session: CONNECT → 200', [
      { name: 'p50', value: percentile(setups, 50), unit: 'µs', lowerIsBetter: true },
      { name: 'p99', value: percentile(setups, 99), unit: 'µs', lowerIsBetter: true },
    ], 'p50'));
    console.log(formatRatioTable('whole 1-byte tunnels per second (open, echo, close)', [
      { name: 'stunnel pair, new TLS per connection, concurrency 1', value: tlsPerSecond, unit: '/s' },
      { name: 'hbone pooled, concurrency 1', value: await rate(1), unit: '/s' },
      { name: 'hbone pooled, concurrency 16', value: await rate(16), unit: '/s' },
    ]));
    client.close();
  });

  // 4. Memory per idle tunnel: 1,000 idle connections through each pair, RSS growth of both processes.
  const memory: BenchRow[] = [];
  for (const [name, factory] of paths) {
    await withPath(factory, echo.port, async (p) => {
      await openIdle(tcpDial(p.port), 20).then((close) => close());
      const before = totalRssBytes(p.pids);
      const close = await openIdle(tcpDial(p.port), 1000);
      await new Promise((r) => setTimeout(r, 300));
      const after = totalRssBytes(p.pids);
      close();
      memory.push({ name, value: (after - before) / 1000 / 1024, unit: 'KiB/tunnel', lowerIsBetter: true });
    });
  }
  console.log(formatRatioTable('memory per idle tunnel (RSS growth of both proxies, 1,000 tunnels)', memory, 'stunnel pair'));
} finally {
  iperfServer.kill();
  echo.child.kill();
  rmSync(dir, { recursive: true, force: true });
}

/** The HBONE server's own port: the path's client side dials it; ask the kernel which port that process listens on. */
async function serverPortOf(p: Path): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(`pid=${p.pids[1]},`));
  return Number(line?.split(/\s+/)[3]?.split(':').at(-1));
}

/** New connections per second through a fresh stunnel pair: each one is a full TLS handshake. */
async function newTlsConnectionsPerSecond(): Promise<number> {
  return withPath((target, d) => stunnelPair({ host: '127.0.0.1', port: target }, d), echo.port, async (p) => {
    let done = 0;
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: p.port });
        s.once('data', () => s.end());
        s.once('close', () => resolve());
        s.on('error', () => resolve());
        s.write('x');
      });
      done += 1;
    }
    return done / 2;
  });
}
