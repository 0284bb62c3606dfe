// DNS proxy bench, one run, side by side: dnsperf (a load generator we did not write) against dnsmasq answering a
// name from its own configuration (the baseline), against ztunnel's DNS proxy answering a mesh name and a
// search-domain name (CNAME) from its xDS state, and against ztunnel forwarding an outside name to that dnsmasq.
// Queries per second at 32 outstanding, dnsperf's average latency, and CPU-µs per query of the answering process.
// BENCH_SECONDS (per dnsperf run, default 3), BENCH_ROUNDS (interleaved rounds, medians printed; default 3).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { cpuSeconds, interleaved, waitForQuietMachine } from '@ambient/hbone/testing';
import { SLEEP_IP, startMesh } from './mesh.js';

const run = promisify(execFile);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const OUTSTANDING = 32;
const UPSTREAM = { host: '127.0.54.1', port: 15353 };
const DNS_PORT = 15053;

type PathName = 'dnsmasq' | 'mesh' | 'searched' | 'forwarded';
const PATHS: readonly PathName[] = ['dnsmasq', 'mesh', 'searched', 'forwarded'];
const LABEL: Record<PathName, string> = {
  dnsmasq: 'dnsmasq, a name from its config',
  mesh: 'ztunnel, a mesh name',
  searched: 'ztunnel, mesh name + search domain (CNAME)',
  forwarded: 'ztunnel, forwarded to that dnsmasq',
};

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average at start: ${load()}`);
const dir = mkdtempSync(join(tmpdir(), 'dns-bench-'));
const dnsmasq = spawn('dnsmasq', [
  '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--user=root', '--pid-file=', `--listen-address=${UPSTREAM.host}`,
  '--bind-interfaces', `--port=${UPSTREAM.port}`, '--address=/echo.default.mesh/127.96.0.10', '--address=/outside.example/127.5.5.5',
], { stdio: 'ignore' });
const mesh = await startMesh({ dir, ztunnelArgs: ['--dns-capture', 'true', '--dns-upstream', `${UPSTREAM.host}:${UPSTREAM.port}`] });
const queries: Record<PathName, { file: string; server: string; port: number; pid: number }> = {
  dnsmasq: { file: 'echo.default.mesh A', server: UPSTREAM.host, port: UPSTREAM.port, pid: dnsmasq.pid ?? 0 },
  mesh: { file: 'echo.default.mesh A', server: SLEEP_IP, port: DNS_PORT, pid: mesh.ztunnelPids[0] ?? 0 },
  searched: { file: 'echo.default.mesh.default.svc.cluster.local A', server: SLEEP_IP, port: DNS_PORT, pid: mesh.ztunnelPids[0] ?? 0 },
  forwarded: { file: 'www.outside.example A', server: SLEEP_IP, port: DNS_PORT, pid: mesh.ztunnelPids[0] ?? 0 },
};

interface Result {
  readonly qps: number;
  readonly latencyMs: number;
  readonly cpuUsPerQuery: number;
  readonly lost: number;
}

async function dnsperf(path: PathName): Promise<Result> {
  const q = queries[path];
  const file = join(dir, `${path}.txt`);
  writeFileSync(file, `${q.file}\n`);
  const before = cpuSeconds(q.pid);
  const { stdout } = await run('dnsperf', ['-s', q.server, '-p', String(q.port), '-d', file, '-l', String(SECONDS), '-c', '1', '-q', String(OUTSTANDING)]);
  const cpu = cpuSeconds(q.pid) - before;
  const num = (label: string): number => Number(new RegExp(`${label}:\\s+([0-9.]+)`).exec(stdout)?.[1] ?? Number.NaN);
  const completed = num('Queries completed');
  if (!(completed > 0)) throw new Error(`dnsperf completed no query on ${path}:\n${stdout}`);
  return { qps: num('Queries per second'), latencyMs: num('Average Latency \\(s\\)') * 1000, cpuUsPerQuery: (cpu / completed) * 1e6, lost: num('Queries lost') };
}

try {
  for (const path of PATHS) await dnsperf(path); // warm-up: ztunnel optimises its per-query code
  await waitForQuietMachine();
  const m = await interleaved(PATHS, ROUNDS, dnsperf);
  const rounds = ROUNDS > 1 ? `, medians of ${ROUNDS} interleaved rounds` : '';
  const rows = (field: (r: Result) => number, unit: string, lowerIsBetter = false): BenchRow[] => PATHS.map((p) => ({ name: LABEL[p], value: m(p, field), unit, lowerIsBetter }));
  console.log(formatRatioTable(`DNS over UDP: queries per second, dnsperf ${SECONDS}s, ${OUTSTANDING} outstanding${rounds}`, rows((r) => r.qps, 'queries/s'), LABEL.dnsmasq));
  console.log(formatRatioTable('DNS over UDP: dnsperf average latency', rows((r) => r.latencyMs, 'ms', true), LABEL.dnsmasq));
  console.log(formatRatioTable('DNS over UDP: CPU per query of the answering process (forwarded: ztunnel only)', rows((r) => r.cpuUsPerQuery, 'CPU-µs/query', true), LABEL.dnsmasq));
  const lost = PATHS.map((p) => `${p} ${m(p, (r) => r.lost)}`).join(', ');
  console.log(`queries lost (medians): ${lost}`);
} finally {
  await mesh.stop();
  dnsmasq.kill();
  rmSync(dir, { recursive: true, force: true });
  console.log(`load average at end: ${load()}`);
}
