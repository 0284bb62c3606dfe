// ztunnel's CRL counters through the /metrics endpoint: names, types, the reporter label, values.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint, type MetricsEndpoint } from '../src/index.js';
import { parseExposition, sampleOf, type Exposition } from './prometheus-text.js';

const servers: Server[] = [];
const endpoints: MetricsEndpoint[] = [];
afterAll(async () => {
  for (const s of servers) s.close();
  for (const e of endpoints) await e.shutdown();
});

async function serve(): Promise<{ endpoint: MetricsEndpoint; scrape(): Promise<Exposition> }> {
  const endpoint = createMetricsEndpoint();
  const http = createServer((req, res) => endpoint.handle(req, res)).listen(0, '127.0.0.1');
  await once(http, 'listening');
  servers.push(http);
  endpoints.push(endpoint);
  const port = (http.address() as { port: number }).port;
  return { endpoint, scrape: async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()) };
}

describe('CrlMetrics', () => {
  it('counts rejections and untracked connections per reporter, as istio_crl_*_total counters', async () => {
    const { endpoint, scrape } = await serve();
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
    const { scrape } = await serve();
    expect((await scrape()).samples.some((s) => s.name.startsWith('istio_crl_'))).toBe(false);
  });
});
