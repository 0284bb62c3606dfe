// istio_on_demand_dns_total through the /metrics endpoint: name, type, ztunnel's label set (source_* + hostname).
import { afterAll, describe, expect, it } from 'vitest';
import { onDemandDnsLabels } from '../src/index.js';
import { closeMetricsServers, serveMetrics } from './metrics-server.js';
import { sampleOf } from './prometheus-text.js';

afterAll(closeMetricsServers);


const SLEEP = {
  name: 'sleep-7d9f', namespace: 'default', workloadName: 'sleep', canonicalName: 'sleep', canonicalRevision: 'v1',
  clusterId: 'Kubernetes', identity: 'spiffe://cluster.local/ns/default/sa/sleep',
};

describe('onDemandDnsLabels', () => {
  it('labels as ztunnel with_source + with_destination: app/version repeat the canonical name/revision', () => {
    expect(onDemandDnsLabels(SLEEP, 'api.outside.test')).toEqual({
      source_workload: 'sleep', source_canonical_service: 'sleep', source_canonical_revision: 'v1', source_workload_namespace: 'default',
      source_principal: 'spiffe://cluster.local/ns/default/sa/sleep', source_app: 'sleep', source_version: 'v1', source_cluster: 'Kubernetes',
      hostname: 'api.outside.test',
    });
  });

  it('says unknown for what is empty or missing', () => {
    const labels = onDemandDnsLabels({ ...SLEEP, canonicalRevision: '', clusterId: '' }, '');
    expect([labels.source_canonical_revision, labels.source_version, labels.source_cluster, labels.hostname]).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(Object.values(onDemandDnsLabels(undefined, 'x.test')).filter((v) => v === 'unknown')).toHaveLength(8);
  });
});

describe('OnDemandDnsMetrics', () => {
  it('counts lookups per source and hostname as istio_on_demand_dns_total', async () => {
    const { endpoint, scrape } = await serveMetrics();
    endpoint.onDemandDns.lookup(SLEEP, 'api.outside.test');
    endpoint.onDemandDns.lookup(SLEEP, 'api.outside.test');
    endpoint.onDemandDns.lookup(SLEEP, 'files.outside.test');
    const e = await scrape();
    expect(e.types.get('istio_on_demand_dns_total')).toBe('counter');
    expect(sampleOf(e, 'istio_on_demand_dns_total', { hostname: 'api.outside.test' })).toMatchObject({
      value: 2,
      labels: { ...onDemandDnsLabels(SLEEP, 'api.outside.test') },
    });
    expect(sampleOf(e, 'istio_on_demand_dns_total', { hostname: 'files.outside.test' }).value).toBe(1);
  });

  it('has no series before the first lookup', async () => {
    const { scrape } = await serveMetrics();
    expect((await scrape()).samples.some((s) => s.name.startsWith('istio_on_demand_dns'))).toBe(false);
  });
});
