// ztunnel's xDS client metrics and istio_build through the /metrics endpoint: names, help texts, labels, values.
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryError } from '../src/index.js';
import { closeMetricsServers, serveMetrics } from './metrics-server.js';
import { sampleOf } from './prometheus-text.js';

const ADDRESS = 'type.googleapis.com/istio.workload.Address';
const AUTHORIZATION = 'type.googleapis.com/istio.security.Authorization';

afterAll(closeMetricsServers);


describe('XdsMetrics', () => {
  it('counts responses and their resource bytes per type URL, and terminations per reason', async () => {
    const { endpoint, scrape } = await serveMetrics();
    endpoint.xds.message(ADDRESS, 120);
    endpoint.xds.message(ADDRESS, 30);
    endpoint.xds.message(AUTHORIZATION, 0);
    endpoint.xds.terminated('Reconnect');
    endpoint.xds.terminated('Reconnect');
    endpoint.xds.terminated('ConnectionError');
    const e = await scrape();
    expect(e.types.get('istio_xds_message_total')).toBe('counter');
    expect(e.types.get('istio_xds_message_bytes_total')).toBe('counter');
    expect(e.types.get('istio_xds_connection_terminations_total')).toBe('counter');
    expect(e.help.get('istio_xds_connection_terminations_total')).toBe('The total number of completed connections to xds server (unstable)');
    expect(e.help.get('istio_xds_message_total')).toBe('Total number of messages received (unstable)');
    expect(e.help.get('istio_xds_message_bytes_total')).toBe('Total number of bytes received (unstable)');
    expect(sampleOf(e, 'istio_xds_message_total', { url: ADDRESS }).value).toBe(2);
    expect(sampleOf(e, 'istio_xds_message_bytes_total', { url: ADDRESS }).value).toBe(150);
    expect(sampleOf(e, 'istio_xds_message_total', { url: AUTHORIZATION }).value).toBe(1);
    expect(sampleOf(e, 'istio_xds_message_bytes_total', { url: AUTHORIZATION }).value).toBe(0);
    expect(sampleOf(e, 'istio_xds_message_total', { url: ADDRESS }).labelOrder).toEqual(['url']);
    const terminations = e.samples.filter((s) => s.name === 'istio_xds_connection_terminations_total');
    expect(terminations.map((s) => [s.labels, s.value])).toEqual([
      [{ reason: 'Reconnect' }, 2],
      [{ reason: 'ConnectionError' }, 1],
    ]);
  });

  it('refuses byte counts that cannot be right, counting nothing for them', async () => {
    const { endpoint, scrape } = await serveMetrics();
    for (const bad of [-1, 2.5, Number.NaN]) expect(() => endpoint.xds.message(ADDRESS, bad)).toThrow(TelemetryError);
    expect(() => endpoint.xds.message(ADDRESS, -1)).toThrow(/xDS message bytes must be a whole number of bytes ≥ 0, got -1/);
    const e = await scrape();
    expect(e.samples.some((s) => s.name.startsWith('istio_xds_'))).toBe(false);
  });
});

describe('istio_build', () => {
  it('is served as a gauge of 1 with component and tag when the endpoint is given them', async () => {
    const { scrape } = await serveMetrics({ build: { component: 'ztunnel', tag: '1.2.3' } });
    const e = await scrape();
    expect(e.types.get('istio_build')).toBe('gauge');
    expect(e.help.get('istio_build')).toBe('Istio component build info');
    const build = sampleOf(e, 'istio_build');
    expect(build).toMatchObject({ labels: { component: 'ztunnel', tag: '1.2.3' }, value: 1 });
    expect(build.labelOrder).toEqual(['component', 'tag']);
  });

  it('is absent without them', async () => {
    const { scrape } = await serveMetrics();
    expect((await scrape()).samples.some((s) => s.name === 'istio_build')).toBe(false);
  });
});
