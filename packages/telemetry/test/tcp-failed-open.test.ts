// istio_tcp_connections_failed_total and istio_tcp_sockets_open through the real exporter: a failed close counts in
// the series its closed count lands in, the gauge follows tracked connections per reporter.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint, tcpConnectionLabels, TelemetryError, withResponseFlags, type ConnectionInfo, type TcpConnection } from '../src/index.js';
import { echo, sleep } from './fixtures.js';
import { parseExposition, sampleOf, type Exposition } from './prometheus-text.js';

const endpoint = createMetricsEndpoint();
let http: Server;
beforeAll(async () => {
  http = createServer((req, res) => endpoint.handle(req, res)).listen(0, '127.0.0.1');
  await once(http, 'listening');
});
afterAll(async () => {
  http.close();
  await endpoint.shutdown();
});

async function scrape(): Promise<Exposition> {
  const port = (http.address() as { port: number }).port;
  return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

const addresses = { src: { address: '127.0.0.1', port: 1 }, dst: { address: '127.0.0.1', port: 2 } };
const outbound: ConnectionInfo = { reporter: 'source', source: sleep, destination: echo, securityPolicy: 'mutual_tls' };
const inbound: ConnectionInfo = { reporter: 'destination', source: sleep, destination: echo, securityPolicy: 'mutual_tls' };
const open = (e: Exposition, reporter: string) => sampleOf(e, 'istio_tcp_sockets_open', { reporter }).value;
const failed = (e: Exposition) => e.samples.filter((s) => s.name === 'istio_tcp_connections_failed_total');

describe('istio_tcp_sockets_open', () => {
  it('shows both reporters at 0 before any connection, as a gauge labelled by reporter only', async () => {
    const e = await scrape();
    expect(e.types.get('istio_tcp_sockets_open')).toBe('gauge');
    expect(e.samples.filter((s) => s.name === 'istio_tcp_sockets_open').map((s) => s.labels)).toEqual([{ reporter: 'source' }, { reporter: 'destination' }]);
    expect([open(e, 'source'), open(e, 'destination')]).toEqual([0, 0]);
  });

  it('counts tracked connections until they close, per reporter, and a second close changes nothing', async () => {
    const conns: TcpConnection[] = [endpoint.tcp.track(outbound, addresses), endpoint.tcp.track(outbound, addresses), endpoint.tcp.track(inbound, addresses)];
    let e = await scrape();
    expect([open(e, 'source'), open(e, 'destination')]).toEqual([2, 1]);
    conns[0]?.close();
    conns[0]?.close();
    conns[2]?.close({ responseFlags: 'DENY', error: 'denied' });
    e = await scrape();
    expect([open(e, 'source'), open(e, 'destination')]).toEqual([1, 0]);
    conns[1]?.close({ responseFlags: 'CONNECT' });
    e = await scrape();
    expect([open(e, 'source'), open(e, 'destination')]).toEqual([0, 0]);
  });
});

describe('istio_tcp_connections_failed_total', () => {
  it('counts a flagged close once, in the label set of its closed count, and never a clean close', async () => {
    const fresh = { ...outbound, destination: { ...echo, workloadName: 'fresh', canonicalName: 'fresh' } };
    const clean = endpoint.tcp.track(fresh, addresses);
    clean.close();
    let e = await scrape();
    expect(failed(e).filter((s) => s.labels['destination_workload'] === 'fresh')).toEqual([]);

    const refused = endpoint.tcp.track(fresh, addresses);
    refused.close({ responseFlags: 'CONNECT', error: 'connection refused' });
    refused.close({ responseFlags: 'CONNECT' });
    e = await scrape();
    expect(e.types.get('istio_tcp_connections_failed_total')).toBe('counter');
    expect(e.help.get('istio_tcp_connections_failed_total')).toBe('The total number of TCP connections that failed to establish (unstable)');
    const match = { destination_workload: 'fresh', response_flags: 'CONNECT' };
    const failure = sampleOf(e, 'istio_tcp_connections_failed_total', match);
    expect(failure.value).toBe(1);
    const closed = sampleOf(e, 'istio_tcp_connections_closed_total', match);
    expect(failure.labels).toEqual(closed.labels);
    expect(failure.labelOrder).toEqual(closed.labelOrder);
    expect(failed(e).filter((s) => s.labels['destination_workload'] === 'fresh')).toHaveLength(1);
  });

  it('keeps one series per flag and reporter', async () => {
    const other = { ...inbound, destination: { ...echo, workloadName: 'other', canonicalName: 'other' } };
    endpoint.tcp.track(other, addresses).close({ responseFlags: 'DENY' });
    endpoint.tcp.track(other, addresses).close({ responseFlags: 'DENY' });
    endpoint.tcp.track(other, addresses).close({ responseFlags: 'TLS_FAILURE' });
    const e = await scrape();
    const mine = failed(e).filter((s) => s.labels['destination_workload'] === 'other');
    expect(mine.map((s) => [s.labels['reporter'], s.labels['response_flags'], s.value]).sort()).toEqual([
      ['destination', 'DENY', 2],
      ['destination', 'TLS_FAILURE', 1],
    ]);
  });

  it('counts an untracked failure through failed(labels), and refuses one without a flag', async () => {
    const untracked = { ...outbound, destination: { ...echo, workloadName: 'untracked', canonicalName: 'untracked' } };
    const labels = tcpConnectionLabels(untracked);
    endpoint.tcp.failed(withResponseFlags(labels, 'IDENTITY_ERROR'));
    const e = await scrape();
    expect(sampleOf(e, 'istio_tcp_connections_failed_total', { destination_workload: 'untracked', response_flags: 'IDENTITY_ERROR' }).value).toBe(1);
    expect(() => endpoint.tcp.failed(labels)).toThrow(TelemetryError);
    expect(() => endpoint.tcp.failed(labels)).toThrow(/needs a response flag other than "-"/);
  });
});
