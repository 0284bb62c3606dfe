// ztunnel's CRL counters through the /metrics endpoint: names, types, the reporter label, values.
import { afterAll, describe, expect, it } from 'vitest';
import { closeMetricsServers, serveMetrics } from './metrics-server.js';
import { sampleOf } from './prometheus-text.js';

afterAll(closeMetricsServers);


describe('CrlMetrics', () => {
  it('counts rejections and untracked connections per reporter, as istio_crl_*_total counters', async () => {
    const { endpoint, scrape } = await serveMetrics();
    endpoint.crl.rejected('destination');
    endpoint.crl.rejected('destination');
    endpoint.crl.rejected('source');
    endpoint.crl.untracked('source');
    const e = await scrape();
    expect(e.types.get('istio_crl_policy_rejections_total')).toBe('counter');
    expect(e.types.get('istio_crl_untracked_connections_total')).toBe('counter');
    expect(sampleOf(e, 'istio_crl_policy_rejections_total', { reporter: 'destination' }).value).toBe(2);
    expect(sampleOf(e, 'istio_crl_policy_rejections_total', { reporter: 'source' }).value).toBe(1);
    expect(sampleOf(e, 'istio_crl_untracked_connections_total', { reporter: 'source' })).toMatchObject({ value: 1, labelOrder: ['reporter'] });
    expect(e.samples.some((s) => s.name === 'istio_crl_untracked_connections_total' && s.labels['reporter'] === 'destination')).toBe(false);
  });

  it('has no series before the first count', async () => {
    const { scrape } = await serveMetrics();
    expect((await scrape()).samples.some((s) => s.name.startsWith('istio_crl_'))).toBe(false);
  });
});
