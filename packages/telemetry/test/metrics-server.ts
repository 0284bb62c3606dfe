// A metrics endpoint served over real HTTP on loopback, scraped and parsed as Prometheus reads it; the tests that
// use it close every one in afterAll(closeMetricsServers).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createMetricsEndpoint, type MetricsEndpoint } from '../src/index.js';
import { parseExposition, type Exposition } from './prometheus-text.js';

export interface ServedMetrics {
  readonly endpoint: MetricsEndpoint;
  scrape(): Promise<Exposition>;
}

const open: { readonly http: Server; readonly endpoint: MetricsEndpoint }[] = [];

export async function serveMetrics(options: Parameters<typeof createMetricsEndpoint>[0] = {}): Promise<ServedMetrics> {
  const endpoint = createMetricsEndpoint(options);
  const http = createServer((req, res) => endpoint.handle(req, res)).listen(0, '127.0.0.1');
  await once(http, 'listening');
  open.push({ http, endpoint });
  const port = (http.address() as { port: number }).port;
  return { endpoint, scrape: async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()) };
}

export async function closeMetricsServers(): Promise<void> {
  for (const { http, endpoint } of open.splice(0)) {
    http.close();
    await endpoint.shutdown();
  }
}
