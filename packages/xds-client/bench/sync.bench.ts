// Bench: delta ADS fan-out of 10,000 workloads to 50 clients over TLS on loopback, measured against encoding them once.
import { create, toBinary } from '@bufbuild/protobuf';
import { Server } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, formatRatioTable } from '@ambient/core';
import { serverCredentials } from '@ambient/grpc';
import { ADDRESS_TYPE_URL, AddressSchema, type Address } from '@ambient/api/workload';
import { XdsServer } from '@ambient/xds-server';
import { addressType, XdsClient } from '../src/index.js';
import type { ClientsCommand, ClientsReport } from './clients.js';

const WORKLOADS = 10_000;
const CLIENTS = 50;
const CHANGES = 100;
const quiet = createLogger({ name: 'bench', level: 'silent' });
const now = () => performance.now();
const mib = (bytes: number) => bytes / 2 ** 20;

function workload(i: number, revision = 0): Address {
  return create(AddressSchema, { type: { case: 'workload', value: {
    uid: `Kubernetes//Pod/ns-${i % 100}/pod-${i}`, name: `pod-${i}`, namespace: `ns-${i % 100}`,
    addresses: [Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255)], tunnelProtocol: 1, node: `node-${i % CLIENTS}`,
    serviceAccount: 'default', canonicalName: 'app', canonicalRevision: `v${revision}`, workloadName: 'app',
    services: { [`ns-${i % 100}/svc-${i % 100}.ns-${i % 100}.svc.cluster.local`]: { ports: [{ servicePort: 80, targetPort: 8080 }] } },
  } } });
}

function makeCert(): { rootPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xds-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=istiod',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const pems = { rootPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  rmSync(dir, { recursive: true, force: true });
  return pems;
}

/** A TCP relay that counts the bytes the server sends: TLS records, HTTP/2 and gRPC framing included. */
async function countingRelay(targetPort: number) {
  let down = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) sockets.add(s.on('error', () => undefined));
    outbound.on('data', (d: Buffer) => (down += d.length));
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as { port: number }).port;
  return { port, down: () => down, close: () => (sockets.forEach((s) => s.destroy()), relay.close()) };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const config = new Map(Array.from({ length: WORKLOADS }, (_, i) => [`w${i}`, workload(i)]));
  // Baseline: protobuf-es encoding each Address once (best of three, so JIT warm-up is not counted).
  const encodeMs = Math.min(...[0, 1, 2].map(() => {
    const t = now();
    for (const w of config.values()) toBinary(AddressSchema, w);
    return now() - t;
  }));

  const tls = makeCert();
  const xds = new XdsServer({ logger: quiet });
  const grpcServer = new Server();
  xds.register(grpcServer);
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', serverCredentials({ certChainPem: tls.rootPem, keyPem: tls.keyPem }), (e, p) => (e ? reject(e) : resolve(p))),
  );
  let t = now();
  xds.setResources(ADDRESS_TYPE_URL, config);
  const storeMs = now() - t;
  const relay = await countingRelay(port);

  // The 50 clients live in a child process, as real ztunnels live apart from the control plane.
  const child = fork(join(import.meta.dirname, 'clients.ts'), [], { execArgv: ['--expose-gc', '--import', '../../tools/source-loader.mjs'] });
  const reports: ClientsReport[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (r: ClientsReport) => (reports.push(r), wake?.()));
  const command = (c: ClientsCommand) => child.send(c);
  async function next<K extends ClientsReport['kind']>(kind: K): Promise<Extract<ClientsReport, { kind: K }>> {
    for (;;) {
      const i = reports.findIndex((r) => r.kind === kind);
      if (i >= 0) return reports.splice(i, 1)[0] as Extract<ClientsReport, { kind: K }>;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  t = now();
  command({ kind: 'connect', ports: Array.from({ length: CLIENTS }, (_, i) => (i === 0 ? relay.port : port)), rootPem: tls.rootPem });
  const ready = await next('ready');
  const syncMs = now() - t;
  const synced = () => xds.syncStatus().every((s) => Object.values(s.types).every((x) => x.status === 'SYNCED'));
  while (!synced()) await new Promise((r) => setTimeout(r, 5));

  const samplesAll: number[] = [];
  const samplesFirst: number[] = [];
  let wireBytes = 0;
  for (let n = 0; n <= CHANGES; n++) {
    const i = (n * 97) % WORKLOADS;
    // Each change touches a workload no earlier change touched, so its name alone identifies it.
    command({ kind: 'await', name: `w${i}` });
    await next('armed');
    const downBefore = relay.down();
    const started = now();
    xds.upsert(ADDRESS_TYPE_URL, `w${i}`, workload(i, n + 1));
    const seen = await next('seen');
    if (n === 0) {
      while (!synced()) await new Promise((r) => setTimeout(r, 5)); // let the ACK land before counting again
      wireBytes = relay.down() - downBefore;
      continue; // the first change is also the warm-up
    }
    // Clocks of two processes do not compare: the parent times the whole round trip (so the IPC hop back counts
    // against us), and the child's own clock gives how much earlier the first client had it than the last.
    const all = now() - started;
    samplesAll.push(all);
    samplesFirst.push(all - (seen.last - seen.first));
  }
  command({ kind: 'close' });

  t = now();
  const full = new XdsClient({ address: `127.0.0.1:${port}`, tls: { rootPem: tls.rootPem }, logger: quiet,
    node: { nodeName: 'n', podName: 'full', podNamespace: 'istio-system' }, types: [{ type: addressType }] });
  await full.ready();
  const fullMs = now() - t;
  const resourceBytes = toBinary(AddressSchema, workload(0, 1)).length;

  full.close();
  relay.close();
  xds.close();
  grpcServer.forceShutdown();

  console.log(formatRatioTable(`sync ${WORKLOADS.toLocaleString('en-US')} workloads to ${CLIENTS} clients (TLS, loopback, clients in a second process)`, [
    { name: `encode ${WORKLOADS.toLocaleString('en-US')} Address messages once`, value: encodeMs, unit: 'ms', lowerIsBetter: true },
    { name: 'server store: hash + encode as Resources', value: storeMs, unit: 'ms', lowerIsBetter: true },
    { name: `sync to ${CLIENTS} clients (all ready)`, value: syncMs, unit: 'ms', lowerIsBetter: true },
    { name: 'sync to 1 client decoding Address', value: fullMs, unit: 'ms', lowerIsBetter: true },
  ]));
  console.log(`RSS: server process ${mib(process.memoryUsage().rss).toFixed(0)} MiB holding ${WORKLOADS.toLocaleString('en-US')} resources and ${CLIENTS} streams; ` +
    `client process ${mib(ready.rssBefore).toFixed(0)} → ${mib(ready.rssAfter).toFixed(0)} MiB for ${CLIENTS} synced clients (+${mib((ready.rssAfter - ready.rssBefore) / CLIENTS).toFixed(1)} MiB each)\n`);
  console.log(formatRatioTable('bytes on the wire per client for a one-workload change', [
    { name: 'one encoded Address', value: resourceBytes, unit: 'B', lowerIsBetter: true },
    { name: 'server → client (TLS records, HTTP/2, gRPC, Resource envelope)', value: wireBytes, unit: 'B', lowerIsBetter: true },
  ]) + '\n');
  console.log(formatRatioTable(`change of one workload → clients (${CHANGES} changes, debounce 10 ms)`, [
    { name: 'first client p50', value: percentile(samplesFirst, 0.5), unit: 'ms', lowerIsBetter: true },
    { name: 'first client p99', value: percentile(samplesFirst, 0.99), unit: 'ms', lowerIsBetter: true },
    { name: `all ${CLIENTS} clients p50`, value: percentile(samplesAll, 0.5), unit: 'ms', lowerIsBetter: true },
    { name: `all ${CLIENTS} clients p99`, value: percentile(samplesAll, 0.99), unit: 'ms', lowerIsBetter: true },
  ]));
}

await main();
