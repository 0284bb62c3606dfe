// OpenMetrics by Accept: the negotiation table (Prometheus's own Accept headers, malformed ones), the conversion of
// each kind of family, and a live scrape of every metric we serve read by prometheus_client's OpenMetrics parser
// (Python, Debian's python3-prometheus-client), which rejects anything the format does not allow.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint, type MetricsEndpoint } from '../src/index.js';
import { OPENMETRICS_CONTENT_TYPE, prefersOpenMetrics, toOpenMetrics } from '../src/openmetrics.js';

/** What Prometheus 2.x sends, and what Prometheus 3 sends. */
const PROMETHEUS_2 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const PROMETHEUS_3 =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

describe('prefersOpenMetrics', () => {
  it.each([
    ['Prometheus 2', PROMETHEUS_2, true],
    ['Prometheus 3', PROMETHEUS_3, true],
    ['no header', undefined, false],
    ['curl', '*/*', false],
    ['text only', 'text/plain; version=0.0.4', false],
    ['OpenMetrics alone', 'application/openmetrics-text', true],
    ['any case and spacing', ' Application/OpenMetrics-Text ; Version=1.0.0 ; q=0.9 , text/plain ; q=0.1', true],
    ['text preferred', 'application/openmetrics-text;q=0.2,text/plain;q=0.8', false],
    ['a tie goes to text', 'application/openmetrics-text;q=0.5,text/plain;q=0.5', false],
    ['OpenMetrics refused', 'application/openmetrics-text;q=0', false],
    ['a q that is no number is ignored', 'application/openmetrics-text;q=high', false],
    ['a q above 1 is ignored', 'application/openmetrics-text;q=2', false],
    ['empty', '', false],
    ['garbage', ';;,,=;q=', false],
  ])('%s', (_name, accept, want) => {
    expect(prefersOpenMetrics(accept)).toBe(want);
  });
});

describe('toOpenMetrics', () => {
  it('names a counter family without _total, keeps its samples, escapes quotes in HELP and ends with # EOF', () => {
    const text = [
      '# HELP requests_total Requests "served", with \\\\ and \\n kept',
      '# TYPE requests_total counter',
      'requests_total{code="200"} 3',
      'requests_total{code="500"} 1',
      '',
    ].join('\n');
    expect(toOpenMetrics(text)).toBe(
      ['# HELP requests Requests \\"served\\", with \\\\ and \\n kept', '# TYPE requests counter', 'requests_total{code="200"} 3', 'requests_total{code="500"} 1', '# EOF', ''].join('\n'),
    );
  });

  it('gives a counter sample without _total the suffix', () => {
    expect(toOpenMetrics('# TYPE hits counter\nhits 2\n')).toBe('# TYPE hits counter\nhits_total 2\n# EOF\n');
  });

  it('passes gauges and histograms through, and an untyped family as unknown', () => {
    const text = [
      '# TYPE open gauge', 'open 1',
      '# TYPE lat histogram', 'lat_count 1', 'lat_sum 0.2', 'lat_bucket{le="0.5"} 1', 'lat_bucket{le="+Inf"} 1',
      '# TYPE odd untyped', 'odd 7', '',
    ].join('\n');
    expect(toOpenMetrics(text).split('\n')).toEqual([
      '# TYPE open gauge', 'open 1',
      '# TYPE lat histogram', 'lat_count 1', 'lat_sum 0.2', 'lat_bucket{le="0.5"} 1', 'lat_bucket{le="+Inf"} 1',
      '# TYPE odd unknown', 'odd 7', '# EOF', '',
    ]);
  });

  it('turns empty text into an empty exposition', () => {
    expect(toOpenMetrics('')).toBe('# EOF\n');
  });
});

describe('the endpoint, scraped for OpenMetrics', () => {
  let endpoint: MetricsEndpoint;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    endpoint = createMetricsEndpoint({ build: { component: 'ztunnel', tag: '1.0.0' } });
    endpoint.tcp.track({ reporter: 'source', securityPolicy: 'mutual_tls' }, { src: { address: '127.0.0.1', port: 1 }, dst: { address: '127.0.0.2', port: 2 } }).close();
    const dns = { request_query_type: 'A', request_protocol: 'udp', source_canonical_service: 'sleep', source_canonical_revision: 'v1' } as const;
    endpoint.dns.request(dns);
    endpoint.dns.upstream(dns, 0.003, false);
    endpoint.dns.upstream(dns, 0.2, true);
    endpoint.xds.terminated('Reconnect');
    server = createServer((req, res) => endpoint.handle(req, res)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.close();
    await endpoint.shutdown();
  });

  it('answers Prometheus with OpenMetrics that a strict parser reads, every family typed as ours', async () => {
    const res = await fetch(`${base}/stats/prometheus`, { headers: { accept: PROMETHEUS_3 } });
    expect(res.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
    const families = parseWithPrometheusClient(await res.text());
    expect(families['istio_tcp_connections_opened']).toEqual({ type: 'counter', samples: [['istio_tcp_connections_opened_total', 1]] });
    expect(families['istio_build']).toEqual({ type: 'gauge', samples: [['istio_build', 1]] });
    expect(families['istio_dns_upstream_failures']).toEqual({ type: 'counter', samples: [['istio_dns_upstream_failures_total', 1]] });
    expect(families['istio_xds_connection_terminations']?.type).toBe('counter');
    const histogram = families['istio_dns_upstream_request_duration_seconds'];
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.samples).toEqual(expect.arrayContaining([['istio_dns_upstream_request_duration_seconds_count', 2], ['istio_dns_upstream_request_duration_seconds_bucket', 1]]));
  });

  it('answers a scraper without Accept, and one preferring text, with the text format', async () => {
    for (const headers of [{}, { accept: 'text/plain;q=0.9,application/openmetrics-text;q=0.1' }] as Record<string, string>[]) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const body = await res.text();
      expect(body).toContain('# TYPE istio_tcp_connections_opened_total counter');
      expect(body).not.toContain('# EOF');
    }
  });
});

/** Family name → type and (sample name, value) pairs, as prometheus_client's OpenMetrics parser reads them. */
function parseWithPrometheusClient(text: string): Record<string, { type: string; samples: [string, number][] }> {
  const script = [
    'import json, sys',
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families',
    'out = {f.name: {"type": f.type, "samples": [[s.name, s.value] for s in f.samples]} for f in text_string_to_metric_families(sys.stdin.read())}',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' })) as Record<string, { type: string; samples: [string, number][] }>;
}
