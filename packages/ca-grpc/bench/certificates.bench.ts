// How fast the mesh CA issues certificates: CSR→chain in-process and CreateCertificate over gRPC + TLS on
// loopback, against OpenSSL's raw ECDSA P-256 signing rate measured in the same run (`openssl speed`).
// Rates are per CPU-second of this process, as openssl speed counts user CPU time: on a shared machine wall-clock
// rates measure the neighbours.
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { callMetadata, IstioCertificateClient, channelCredentials, channelOptions } from '@ambient/grpc';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { createCsr, generateKeyPair, verifyPeerChain } from '@ambient/spiffe';
import { CaClient } from '../src/index.js';
import { ECHO, startCa } from '../test/harness.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);

function opensslSignRate(): number {
  const out = execFileSync('openssl', ['speed', '-seconds', String(SECONDS), 'ecdsap256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => /nistp256/.test(l) && /\d+\.\d+\s+\d+\.\d+\s*$/.test(l));
  const numbers = line?.match(/\d+(?:\.\d+)?/g)?.map(Number) ?? [];
  const rate = numbers.at(-2);
  if (!rate) throw new Error(`cannot read the sign/s column from openssl speed:\n${out}`);
  return rate;
}

/** CPU seconds (user + system) used by this process since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function syncRate(fn: (i: number) => void): number {
  for (let i = 0; i < 200; i++) fn(i);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) fn(n++);
  return n / cpuSeconds(cpu);
}

async function asyncRate(concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(i);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() - start < SECONDS * 1000) await fn(n++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / cpuSeconds(cpu);
}

const harness = await startCa();
const csrs = Array.from({ length: 256 }, () => createCsr(ECHO, generateKeyPair().privateKey));
const rows: BenchRow[] = [];
rows.push({ name: 'openssl speed ecdsap256 (raw sign)', value: opensslSignRate(), unit: 'sign/CPU-s' });
const { privateKey } = generateKeyPair();
const tbs = Buffer.alloc(400, 7);
rows.push({ name: 'node crypto.sign P-256 (raw sign)', value: syncRate(() => sign('sha256', tbs, privateKey)), unit: 'sign/CPU-s' });
rows.push({ name: 'CA.sign: CSR → chain', value: syncRate((i) => harness.ca.sign(csrs[i % csrs.length] as string, { identity: ECHO })), unit: 'certs/CPU-s' });
const peerChain = harness.ca.issueSvid(ECHO).certChain.map((c) => c.raw);
rows.push({
  name: 'verifyPeerChain (DER chain, PEM bundle)',
  value: syncRate(() => verifyPeerChain(peerChain, harness.rootPem, { mode: 'server', trustDomain: 'cluster.local' })),
  unit: 'checks/CPU-s',
});

const raw = new IstioCertificateClient(harness.address, channelCredentials({ rootPem: harness.rootPem }), channelOptions({ rootPem: harness.rootPem }));
const metadata = callMetadata(harness.token('istio-system', 'ztunnel', 'node-a'));
const call = (i: number): Promise<unknown> =>
  new Promise((resolve, reject) =>
    raw.createCertificate(
      { csr: csrs[i % csrs.length] as string, validityDuration: 86_400n, metadata: { ImpersonatedIdentity: ECHO } },
      metadata,
      {},
      (err, response) => (err || !response ? reject(err) : resolve(response)),
    ),
  );
rows.push({ name: 'gRPC CreateCertificate, 16 in flight', value: await asyncRate(16, call), unit: 'calls/CPU-s' });
const client = new CaClient({ address: harness.address, rootPem: harness.rootPem, token: harness.token('istio-system', 'ztunnel', 'node-a') });
rows.push({ name: 'CaClient.fetchSvid (keygen+CSR+call+checks), 8 in flight', value: await asyncRate(8, () => client.fetchSvid(ECHO)), unit: 'svids/CPU-s' });
raw.close();
client.close();
harness.close();

console.log(formatRatioTable(`certificate issuance, per CPU-second (${SECONDS} s per row; gRPC rows: client and server in one process)`, rows));
