// /metrics end to end: the endpoint mounted on a real HTTP server, scraped over loopback and parsed; byte counters
// fed by a live connection record while a real TCP connection carries data.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint, TelemetryError, type MetricsEndpoint, type TcpConnection } from '../src/index.js';
import { echo, echoService, sleep } from './fixtures.js';
import { parseExposition, sampleOf, type Exposition } from './prometheus-text.js';

const NAMES = ['istio_tcp_connections_opened_total', 'istio_tcp_connections_closed_total', 'istio_tcp_sent_bytes_total', 'istio_tcp_received_bytes_total'];

let clock = 1_000;
let endpoint: MetricsEndpoint;
let http: HttpServer;
let base: string;

beforeAll(async () => {
  endpoint = createMetricsEndpoint({ now: () => clock });
  http = createHttpServer((req, res) => endpoint.handle(req, res)).listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
});
afterAll(async () => {
  http.close();
  await endpoint.shutdown();
});

async function scrape(path = '/metrics'): Promise<Exposition> {
  const res = await fetch(`${base}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await res.text());
}

describe('the metrics endpoint', () => {
  it('serves the four Istio counters and the open-sockets gauge with Istio help texts, nothing else and no scope label', async () => {
    endpoint.tcp.track({ reporter: 'source', securityPolicy: 'unknown' }, { src: { address: '127.0.0.1', port: 1 }, dst: { address: '127.0.0.1', port: 2 } }).close();
    const e = await scrape();
    expect(Object.fromEntries(e.types)).toEqual({ ...Object.fromEntries(NAMES.map((n) => [n, 'counter'])), istio_tcp_sockets_open: 'gauge' });
    expect(e.help.get('istio_tcp_connections_opened_total')).toBe('The total number of TCP connections opened');
    expect(e.help.get('istio_tcp_received_bytes_total')).toBe('The size of total bytes received during request in case of a TCP connection');
    expect(new Set(e.samples.map((s) => s.name))).toEqual(new Set([...NAMES, 'istio_tcp_sockets_open']));
    expect(e.samples.some((s) => 'otel_scope_name' in s.labels || s.name === 'target_info')).toBe(false);
  });

  it('writes the exact line for a plaintext connection outside the mesh', async () => {
    const res = await fetch(`${base}/stats/prometheus`);
    const text = await res.text();
    const unknowns = (side: string): string =>
      ['workload', 'canonical_service', 'canonical_revision', 'workload_namespace', 'principal', 'app', 'version', 'cluster']
        .map((k) => `${side}_${k}="unknown"`)
        .join(',');
    const dst = unknowns('destination').replace('destination_workload=', 'destination_service="unknown",destination_service_namespace="unknown",destination_service_name="unknown",destination_workload=');
    expect(text).toContain(
      `istio_tcp_connections_opened_total{reporter="source",${unknowns('source')},${dst},request_protocol="tcp",response_flags="-",connection_security_policy="unknown"} 1\n`,
    );
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    expect((await fetch(`${base}/`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('a live connection', () => {
  let echoServer: Server;
  let client: Socket;
  let conn: TcpConnection;
  const outboundMatch = { reporter: 'source', destination_workload: 'echo', source_workload: 'sleep' };

  beforeAll(async () => {
    echoServer = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
    await once(echoServer, 'listening');
    const port = (echoServer.address() as { port: number }).port;
    client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    conn = endpoint.tcp.track(
      { reporter: 'source', source: sleep, destination: echo, destinationService: echoService, securityPolicy: 'mutual_tls' },
      { src: { address: '127.0.0.1', port: client.localPort ?? 0 }, dst: { address: '127.0.0.1', port }, srcWorkload: sleep.name, dstWorkload: echo.name },
    );
  });
  afterAll(() => {
    client.destroy();
    echoServer.close();
  });

  async function exchange(payload: Buffer): Promise<void> {
    conn.countRequestBytes(payload.length);
    client.write(payload);
    let seen = 0;
    while (seen < payload.length) {
      const [chunk] = (await once(client, 'data')) as [Buffer];
      conn.countResponseBytes(chunk.length);
      seen += chunk.length;
    }
  }

  it('counts opened at once and byte series from 0, with the same label set on all three', async () => {
    const e = await scrape();
    const opened = sampleOf(e, 'istio_tcp_connections_opened_total', outboundMatch);
    expect(opened.value).toBe(1);
    expect(sampleOf(e, 'istio_tcp_received_bytes_total', outboundMatch).labels).toEqual(opened.labels);
    expect(sampleOf(e, 'istio_tcp_sent_bytes_total', outboundMatch).value).toBe(0);
    expect(e.samples.filter((s) => s.name === 'istio_tcp_connections_closed_total' && s.labels.source_workload === 'sleep')).toEqual([]);
    expect(opened.labelOrder.slice(-4)).toEqual(['source_region', 'source_zone', 'destination_region', 'destination_zone']);
    expect(opened.labels).toMatchObject({ destination_principal: echo.identity, source_principal: 'unknown', connection_security_policy: 'mutual_tls' });
  });

  it('shows bytes while the connection is still open, and only ever more', async () => {
    await exchange(Buffer.alloc(1000, 1));
    const first = await scrape();
    expect(sampleOf(first, 'istio_tcp_received_bytes_total', outboundMatch).value).toBe(1000);
    expect(sampleOf(first, 'istio_tcp_sent_bytes_total', outboundMatch).value).toBe(1000);

    await exchange(Buffer.alloc(64 * 1024, 2));
    const second = await scrape();
    expect(sampleOf(second, 'istio_tcp_received_bytes_total', outboundMatch).value).toBe(1000 + 65536);
    expect(sampleOf(second, 'istio_tcp_sent_bytes_total', outboundMatch).value).toBe(conn.responseBytes);
    expect(conn.responseBytes).toBe(66536);
    for (const s of first.samples) {
      const later = second.samples.find((t) => t.name === s.name && JSON.stringify(t.labels) === JSON.stringify(s.labels));
      expect(later?.value).toBeGreaterThanOrEqual(s.value);
    }
  });

  it('closes once, with the response flag on the closed series only, and returns the access-log record', async () => {
    clock += 250.7;
    const record = conn.close({ responseFlags: 'CONNECT', error: 'upstream reset' });
    expect(conn.close()).toBeUndefined();
    expect(record).toMatchObject({ direction: 'outbound', bytes_sent: 66536, bytes_recv: 66536, duration: '250ms', error: 'upstream reset', 'src.workload': sleep.name });
    const e = await scrape();
    expect(sampleOf(e, 'istio_tcp_connections_closed_total', { ...outboundMatch, response_flags: 'CONNECT' }).value).toBe(1);
    expect(e.samples.filter((s) => s.name === 'istio_tcp_connections_closed_total' && s.labels.source_workload === 'sleep')).toHaveLength(1);
    expect(sampleOf(e, 'istio_tcp_connections_opened_total', outboundMatch).labels.response_flags).toBe('-');
  });

  it('refuses byte counts that cannot be right', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => conn.countRequestBytes(bad)).toThrow(TelemetryError);
      expect(() => endpoint.tcp.sent(conn.labels, bad)).toThrow(/sent bytes must be a whole number of bytes ≥ 0/);
    }
  });
});

describe('TcpMetrics by label set', () => {
  it('adds explicit sent/received counts to the series of those labels', async () => {
    const labels = endpoint.tcp.track({ reporter: 'destination', destination: echo, securityPolicy: 'mutual_tls' }, { src: { address: '127.0.0.1', port: 3 }, dst: { address: '127.0.0.1', port: 4 } }).labels;
    endpoint.tcp.sent(labels, 7);
    endpoint.tcp.received(labels, 9);
    endpoint.tcp.closed(labels);
    const e = await scrape();
    const match = { reporter: 'destination', destination_workload: 'echo' };
    expect(sampleOf(e, 'istio_tcp_sent_bytes_total', match).value).toBe(7);
    expect(sampleOf(e, 'istio_tcp_received_bytes_total', match).value).toBe(9);
    expect(sampleOf(e, 'istio_tcp_connections_closed_total', match).value).toBe(1);
  });
});
