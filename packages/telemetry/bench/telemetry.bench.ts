// What telemetry costs on the data path. Byte counting: the live connection record (an addition into its series)
// against the straightforward OpenTelemetry way, counter.add(bytes, labels) per chunk with Istio's 27 labels
// (baseline). A whole connection: track + 16 chunk counts each way + close, against the same with counter.add.
// A scrape of 1,000 series is timed on its own (no baseline exists for it; it runs once per Prometheus interval).
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Bench } from 'tinybench';
import { createMetricsEndpoint, tcpConnectionLabels, withResponseFlags, type ConnectionInfo, type TcpConnectionLabels } from '../src/index.js';

const BATCH = 1000;
const CHUNK = 16 * 1024;
const workload = (name: string, ns: string) => ({
  name: `${name}-0`, namespace: ns, workloadName: name, canonicalName: name, canonicalRevision: 'v1', clusterId: 'Kubernetes',
  identity: `spiffe://cluster.local/ns/${ns}/sa/${name}`, locality: { region: 'r', zone: 'z' },
});
const info: ConnectionInfo = { reporter: 'source', source: workload('sleep', 'default'), destination: workload('echo', 'apps'), securityPolicy: 'mutual_tls' };
const addresses = { src: { address: '127.0.10.1', port: 40000 }, dst: { address: '127.0.20.1', port: 15008 } };

const endpoint = createMetricsEndpoint();
const plain = new MeterProvider().getMeter('baseline');
const opened = plain.createCounter('opened');
const closed = plain.createCounter('closed');
const sent = plain.createCounter('sent');
const received = plain.createCounter('received');
const labels: TcpConnectionLabels = tcpConnectionLabels(info);
const attrs = labels as unknown as Record<string, string>;
const live = endpoint.tcp.track(info, addresses);

const bench = new Bench({ time: 700, warmup: true });
bench
  .add('bytes: counter.add(n, labels)', () => {
    for (let i = 0; i < BATCH; i++) received.add(CHUNK, attrs);
  })
  .add('bytes: live connection record', () => {
    for (let i = 0; i < BATCH; i++) live.countRequestBytes(CHUNK);
  })
  .add('connection: counter.add', () => {
    const l = tcpConnectionLabels(info) as unknown as Record<string, string>;
    opened.add(1, l);
    for (let i = 0; i < 16; i++) {
      received.add(CHUNK, l);
      sent.add(CHUNK, l);
    }
    closed.add(1, withResponseFlags(tcpConnectionLabels(info), '-') as unknown as Record<string, string>);
  })
  .add('connection: track + record + close', () => {
    const c = endpoint.tcp.track(info, addresses);
    for (let i = 0; i < 16; i++) {
      c.countRequestBytes(CHUNK);
      c.countResponseBytes(CHUNK);
    }
    c.close();
  });
await bench.run();

/** Operations per second of a task, times the operations each call performs. */
function rate(name: string, per: number): number {
  const result = bench.getTask(name)?.result as { throughput?: { mean: number } } | undefined;
  return (result?.throughput?.mean ?? 0) * per;
}

// 1,000 distinct series, then time serialising them as a scrape would.
for (let i = 0; i < 1000; i++) endpoint.tcp.track({ ...info, destination: workload(`svc${i}`, 'apps') }, addresses).close();
const scrapes: number[] = [];
for (let i = 0; i < 10; i++) {
  const start = performance.now();
  await endpoint.meterProvider.forceFlush();
  await new Promise<void>((resolve) => {
    const res = { statusCode: 0, setHeader: () => undefined, end: () => resolve() };
    endpoint.handle({ url: '/metrics', method: 'GET' } as never, res as never);
  });
  scrapes.push(performance.now() - start);
}
scrapes.sort((a, b) => a - b);

const rows: BenchRow[] = [
  { name: 'bytes: counter.add(n, labels)', value: rate('bytes: counter.add(n, labels)', BATCH), unit: 'counts/s' },
  { name: 'bytes: live connection record', value: rate('bytes: live connection record', BATCH), unit: 'counts/s' },
];
console.log(formatRatioTable('byte counting on the data path', rows));
console.log();
console.log(formatRatioTable('one connection (labels, opened, 32 chunk counts, closed)', [
  { name: 'connection: counter.add', value: rate('connection: counter.add', 1), unit: 'conn/s' },
  { name: 'connection: track + record + close', value: rate('connection: track + record + close', 1), unit: 'conn/s' },
]));
const [median = 0, max = 0] = [scrapes[5], scrapes[scrapes.length - 1]];
console.log(`\nscrape of about 4,000 samples (1,000+ label sets): median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
await endpoint.shutdown();
