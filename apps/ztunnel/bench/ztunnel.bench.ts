// Macro bench, one run: app → SOCKS5 → ztunnel (sleep) → HBONE → ztunnel (echo) → app, with the proxies in a
// child process, against direct TCP to the same app measured in the same run. Throughput, 1-byte round trips on a
// keep-alive connection (p50/p99 and what the tunnel adds), new tunnelled connections per second, CPU per GB.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { formatRatioTable } from '@ambient/core';
import { socksConnect } from '../test/support/socks-client.js';
import { PAIR } from './pair-addresses.js';

const BYTES = 256 * 1024 * 1024;
const ROUND_TRIPS = 3_000;
const CONNECTIONS = 600;
const APP_PORT = 8080;

const child = spawn(process.execPath, ['--import', fileURLToPath(new URL('../../../tools/source-loader.mjs', import.meta.url)), fileURLToPath(new URL('./pair.ts', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  child.stdout.setEncoding('utf8').on('data', (s: string) => s.includes('ready') && resolve());
  child.once('exit', (code) => reject(new Error(`pair exited ${code}`)));
});

// The app: a sink that answers "done" after BYTES, or echoes single bytes.
const app = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => undefined);
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    if (chunk[0] === 0x42 && received === 0 && chunk.length <= 2) return void socket.write(chunk);
    received += chunk.length;
    if (received >= BYTES) socket.end('done');
  });
});
await new Promise<void>((resolve) => app.listen(APP_PORT, PAIR.echo, resolve));

const direct = (): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ host: PAIR.echo, port: APP_PORT, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
const tunnelled = async (): Promise<net.Socket> => {
  const { reply, socket } = await socksConnect({ host: PAIR.sleep, port: PAIR.socks }, PAIR.echo, APP_PORT);
  if (reply !== 0) throw new Error(`SOCKS reply ${reply}`);
  socket.setNoDelay(true);
  return socket;
};

async function throughput(open: () => Promise<net.Socket>): Promise<{ mbps: number; cpuSecondsPerGb: number }> {
  const socket = await open();
  const chunk = Buffer.alloc(256 * 1024, 7);
  const cpu = process.cpuUsage();
  const childCpu = await childCpuSeconds();
  const started = process.hrtime.bigint();
  const done = new Promise<void>((resolve) => socket.once('end', resolve));
  socket.resume();
  for (let sent = 0; sent < BYTES; sent += chunk.length) if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6 + ((await childCpuSeconds()) - childCpu);
  socket.destroy();
  return { mbps: BYTES / 1e6 / seconds, cpuSecondsPerGb: cpuSeconds / (BYTES / 1e9) };
}

async function latency(open: () => Promise<net.Socket>): Promise<{ p50: number; p99: number }> {
  const socket = await open();
  const samples: number[] = [];
  const one = Buffer.from([0x42]);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t = process.hrtime.bigint();
    const back = new Promise((resolve) => socket.once('data', resolve));
    socket.write(one);
    await back;
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  socket.destroy();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)] ?? 0, p99: samples[Math.floor(samples.length * 0.99)] ?? 0 };
}

async function connectionsPerSecond(open: () => Promise<net.Socket>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < CONNECTIONS) {
      const socket = await open();
      const back = new Promise((resolve) => socket.once('data', resolve));
      socket.write(Buffer.from([0x42]));
      await back;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.end();
      await closed;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return CONNECTIONS / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** CPU seconds the proxy process used so far (from /proc, Linux). */
async function childCpuSeconds(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const d = { tp: await throughput(direct), lat: await latency(direct), cps: await connectionsPerSecond(direct) };
const z = { tp: await throughput(tunnelled), lat: await latency(tunnelled), cps: await connectionsPerSecond(tunnelled) };

console.log(`ztunnel pair (SOCKS5 → HBONE → app) against direct TCP; ${BYTES / 1024 / 1024} MiB, ${ROUND_TRIPS} round trips, ${CONNECTIONS} connections`);
const table = (title: string, unit: string, direct: number, tunnel: number, lowerIsBetter = false): string =>
  formatRatioTable(title, [
    { name: 'direct TCP', value: direct, unit, lowerIsBetter },
    { name: 'ztunnel pair', value: tunnel, unit, lowerIsBetter },
  ]);
console.log(table('throughput, one connection', 'MB/s', d.tp.mbps, z.tp.mbps));
console.log(table('CPU per GB moved (bench and proxy processes)', 'CPU-s/GB', d.tp.cpuSecondsPerGb, z.tp.cpuSecondsPerGb, true));
console.log(table('1-byte round trip p50, keep-alive connection', 'ms', d.lat.p50, z.lat.p50, true));
console.log(table('1-byte round trip p99, keep-alive connection', 'ms', d.lat.p99, z.lat.p99, true));
console.log(table('new connections with one round trip, 16 at a time', 'conn/s', d.cps, z.cps));
console.log(`added latency over direct: p50 ${(z.lat.p50 - d.lat.p50).toFixed(3)} ms, p99 ${(z.lat.p99 - d.lat.p99).toFixed(3)} ms`);
child.stdin.end();
app.close();
await new Promise((resolve) => child.once('exit', resolve));
