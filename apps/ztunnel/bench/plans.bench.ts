// What the multi-network and canary paths cost per connection, each against the plain path measured in the same
// run: plans per second (a service endpoint as baseline; weighted waypoints, double HBONE, a PROXY v2 header) and
// tunnels per second in-process on loopback (one HBONE tunnel on a pooled session as baseline; double HBONE, whose
// inner TLS handshake is paid per connection because the inner session is never pooled).
// Run from apps/ztunnel: node --import ../../tools/source-loader.mjs bench/plans.bench.ts (BENCH_TUNNELS, default 300).
import net from 'node:net';
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { dialTcp, HboneClient, HboneServer } from '@ambient/hbone';
import { meshOf, service, waypointAt, waypointByHost, workload } from '@ambient/mesh-state/testing';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import { planOutbound } from '../src/plan/outbound.js';
import { istioProxyHeader } from '../src/proxy-protocol.js';

const TUNNELS = Number(process.env['BENCH_TUNNELS'] ?? 300);
const EP = (name: string) => ({ [`default/${name}.default.svc.cluster.local`]: { ports: [] } });
const state = meshOf(
  workload('client', '10.0.0.1'),
  service('direct', '10.96.0.1'),
  ...[1, 2, 3, 4].map((i) => workload(`direct-${i}`, `10.0.1.${i}`, { services: EP('direct') })),
  service('waypoint', '10.96.0.9'),
  workload('wp', '10.0.9.1', { services: EP('waypoint') }),
  workload('wp2', '10.0.9.2'),
  service('canary', '10.96.0.2', { weightedWaypoints: [{ destination: waypointByHost('default', 'waypoint.default.svc.cluster.local'), weight: 90 }, { destination: waypointAt('10.0.9.2'), weight: 10 }] }),
  workload('gw', '192.0.2.1', { network: 'east', namespace: 'istio-system', serviceAccount: 'eastwest' }),
  service('remote', '10.96.0.3'),
  ...[1, 2, 3, 4].map((i) => workload(`remote-${i}`, `10.1.1.${i}`, { network: 'east', networkGateway: waypointAt('192.0.2.1', 'east'), services: EP('remote') })),
);
const client = state.findWorkloadByUid('Kubernetes//Pod/default/client');
if (client === undefined) throw new Error('fixture has no client');
const options = { hbonePort: 15008, illegalPorts: [15001, 15006, 15008, 15080] };
const plan = (ip: string) => planOutbound(state, client, { ip, port: 80 }, options).kind;
const kinds = { direct: plan('10.96.0.1'), canary: plan('10.96.0.2'), remote: plan('10.96.0.3') };
if (kinds.direct !== 'hbone' || kinds.canary !== 'hbone' || kinds.remote !== 'double-hbone') throw new Error(`unexpected plans ${JSON.stringify(kinds)}`);

let sink = 0;
const planTasks: [string, () => void][] = [
  ['service VIP → endpoint (baseline)', () => void (sink += plan('10.96.0.1').length)],
  ['weighted waypoints 90/10', () => void (sink += plan('10.96.0.2').length)],
  ['endpoints on another network (double HBONE)', () => void (sink += plan('10.96.0.3').length)],
  ['PROXY v2 header, IPv4 + identity TLV', () => void (sink += istioProxyHeader({ address: '10.0.0.1', port: 51000 }, { address: '10.96.0.1', port: 80 }, 'spiffe://cluster.local/ns/default/sa/client').length)],
];

/** Best of three rounds per task: other processes on the shared machine only ever make a round slower. */
async function perSecond(tasks: readonly [string, () => void][]): Promise<BenchRow[]> {
  const best = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    const bench = new Bench({ time: 200, warmupTime: 50 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const t of bench.tasks) {
      if (t.result.state !== 'completed') throw new Error(`bench task ${t.name} ended ${t.result.state}`);
      best.set(t.name, Math.max(best.get(t.name) ?? 0, 1000 / t.result.period));
    }
  }
  return tasks.map(([name]) => ({ name, value: best.get(name) ?? 0, unit: 'per s' }));
}

/** Sequential tunnels: connect, one byte there and back, graceful close. */
async function tunnelsPerSecond(open: () => Promise<NodeJS.ReadWriteStream & { end(): void; destroy(): void }>): Promise<number> {
  const once = async () => {
    const stream = await open();
    await new Promise<void>((resolve, reject) => {
      stream.once('data', () => resolve());
      stream.once('error', reject);
      stream.write('x');
    });
    stream.end();
  };
  for (let i = 0; i < 20; i++) await once();
  const start = process.hrtime.bigint();
  for (let i = 0; i < TUNNELS; i++) await once();
  return TUNNELS / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function tunnelRows(): Promise<BenchRow[]> {
  const ca = createTestCa();
  const tls = (sa: string) => tlsMaterialFromSvid(ca.issueSvid(`spiffe://cluster.local/ns/default/sa/${sa}`));
  const echo = net.createServer((s) => s.on('error', () => undefined).pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const echoPort = (echo.address() as net.AddressInfo).port;
  const destination = new HboneServer({ tls: tls('echo'), handler: () => dialTcp({ host: '127.0.0.1', port: echoPort }) });
  const destinationPort = (await destination.listen(0, '127.0.0.1')).port;
  const gateway = new HboneServer({ tls: tls('eastwest'), handler: () => dialTcp({ host: '127.0.0.1', port: destinationPort }) });
  const gatewayPort = (await gateway.listen(0, '127.0.0.1')).port;
  const hbone = new HboneClient({ tls: tls('client') });
  const ids = (sa: string) => [`spiffe://cluster.local/ns/default/sa/${sa}`];
  const single = await tunnelsPerSecond(() => hbone.connect({ nextHop: { host: '127.0.0.1', port: destinationPort }, authority: `127.0.0.1:${echoPort}`, expectedIdentities: ids('echo') }));
  const double = await tunnelsPerSecond(() =>
    hbone.connectDouble({
      gateway: { nextHop: { host: '127.0.0.1', port: gatewayPort }, authority: 'echo.default.svc.cluster.local:80', expectedIdentities: ids('eastwest') },
      inner: { authority: 'echo.default.svc.cluster.local:80', expectedIdentities: ids('echo'), forwardedNetwork: 'west' },
    }),
  );
  hbone.close();
  await Promise.all([gateway.drain(100), destination.drain(100)]);
  echo.close();
  return [
    { name: 'HBONE, pooled session (baseline)', value: single, unit: 'tunnels/s' },
    { name: 'double HBONE, inner TLS per tunnel', value: double, unit: 'tunnels/s' },
  ];
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a shared machine; compare ratios within this run`);
console.log(formatRatioTable('outbound plans and PROXY headers', await perSecond(planTasks), 'service VIP → endpoint (baseline)'));
console.log();
console.log(formatRatioTable(`${TUNNELS} sequential 1-byte tunnels, in-process on loopback`, await tunnelRows(), 'HBONE, pooled session (baseline)'));
if (sink < 0) console.log(sink);
