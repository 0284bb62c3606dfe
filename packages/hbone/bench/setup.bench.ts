// Tunnel setup on a pooled session with client, server and target in one process (the @ambient/hbone library
// embedded in a service), against the baseline of a plain TCP connect to the same target.
import net, { type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { formatRatioTable } from '@ambient/core';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestCa, issueTestSvid } from '@ambient/spiffe/testing';
import { dialTcp, HboneClient, HboneServer } from '../src/index.js';

const ROUNDS = 2500;
const WARMUP = 500;
const ca = createTestCa();
const material = (sa: string) => tlsMaterialFromSvid(issueTestSvid(`spiffe://cluster.local/ns/bench/sa/${sa}`, ca));
const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
const target = { host: '127.0.0.1', port: (echo.address() as AddressInfo).port };

async function percentiles(round: () => Promise<number>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const t = await round();
    if (i >= WARMUP) times.push(t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)] ?? 0, p99: times[Math.floor(times.length * 0.99)] ?? 0 };
}

const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1000;

const tcp = await percentiles(async () => {
  const t0 = process.hrtime.bigint();
  const s = await dialTcp(target);
  const t = since(t0);
  s.destroy();
  return t;
});

async function tunnels(dialTarget: boolean) {
  const server = new HboneServer({
    tls: material('server'),
    handler: (req) => (dialTarget ? dialTcp(req.authority) : new PassThrough()),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  const client = new HboneClient({ tls: material('client') });
  const request = {
    nextHop: { host: '127.0.0.1', port },
    authority: `${target.host}:${target.port}`,
    expectedIdentities: ['spiffe://cluster.local/ns/bench/sa/server'],
  };
  const result = await percentiles(async () => {
    const t0 = process.hrtime.bigint();
    const s = await client.connect(request);
    const t = since(t0);
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.resume();
      s.end();
    });
    return t;
  });
  client.close();
  await server.drain(1000);
  return result;
}

const withDial = await tunnels(true);
const answerOnly = await tunnels(false);
console.log(
  formatRatioTable('tunnel setup in one process, p50 / p99 (µs)', [
    { name: 'TCP connect to the target (baseline) p50', value: tcp.p50, unit: 'µs', lowerIsBetter: true },
    { name: 'CONNECT → 200 on a pooled session, server dials the target, p50', value: withDial.p50, unit: 'µs', lowerIsBetter: true },
    { name: 'CONNECT → 200 on a pooled session, server dials the target, p99', value: withDial.p99, unit: 'µs', lowerIsBetter: true },
    { name: 'CONNECT → 200, server answers without dialling, p50', value: answerOnly.p50, unit: 'µs', lowerIsBetter: true },
    { name: 'CONNECT → 200, server answers without dialling, p99', value: answerOnly.p99, unit: 'µs', lowerIsBetter: true },
  ]),
);
echo.close();
process.exit(0);
