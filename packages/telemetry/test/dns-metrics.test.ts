// Istio's DNS proxy metrics through the /metrics endpoint: names, help texts, labels and the upstream histogram.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createMetricsEndpoint } from '../src/index.js';
import { parseExposition, sampleOf } from './prometheus-text.js';

const endpoint = createMetricsEndpoint();
const http = createServer((req, res) => endpoint.handle(req, res));
beforeAll(async () => {
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
});
afterAll(async () => {
  http.close();
  await endpoint.shutdown();
});

const labels = { request_query_type: 'A', request_protocol: 'udp', source_canonical_service: 'sleep', source_canonical_revision: 'v1' } as const;

describe('DnsMetrics', () => {
  it('counts requests, upstream requests and failures, and the upstream latency, with Istio names and labels', async () => {
    endpoint.dns.request(labels);
    endpoint.dns.request(labels);
    endpoint.dns.upstream(labels, 0.003, false);
    endpoint.dns.request({ ...labels, request_query_type: 'TXT', request_protocol: 'tcp' });
    endpoint.dns.upstream({ ...labels, request_query_type: 'TXT', request_protocol: 'tcp' }, 2.5, true);
    const port = (http.address() as { port: number }).port;
    const e = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(e.types.get('istio_dns_requests_total')).toBe('counter');
    expect(e.types.get('istio_dns_upstream_request_duration_seconds')).toBe('histogram');
    expect(e.help.get('istio_dns_upstream_failures_total')).toBe('Total number of DNS failures forwarding to upstream.');
    expect(sampleOf(e, 'istio_dns_requests_total', labels).value).toBe(2);
    expect(sampleOf(e, 'istio_dns_upstream_requests_total', labels).value).toBe(1);
    expect(e.samples.some((s) => s.name === 'istio_dns_upstream_failures_total' && s.labels['request_query_type'] === 'A')).toBe(false);
    expect(sampleOf(e, 'istio_dns_upstream_failures_total', { request_query_type: 'TXT', request_protocol: 'tcp' }).value).toBe(1);
    expect(sampleOf(e, 'istio_dns_upstream_request_duration_seconds_bucket', { ...labels, le: '0.005' }).value).toBe(1);
    expect(sampleOf(e, 'istio_dns_upstream_request_duration_seconds_count', labels).value).toBe(1);
  });
});
