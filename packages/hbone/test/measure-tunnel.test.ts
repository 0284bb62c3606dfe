// The bench helpers over a tunnel stream instead of a TCP socket: a Dial may be an HBONE client in this very
// process (what a Node service in the mesh measures), against a real HBONE server and echo on loopback.
import { afterAll, expect, it } from 'vitest';
import { HboneClient } from '../src/index.js';
import { echoLatency, openIdle, type Dial } from '../src/testing/index.js';
import { ID } from './pki.js';
import { useTunnelEnv } from './server-fixture.js';

const env = useTunnelEnv();
let client: HboneClient | undefined;
afterAll(() => client?.close());

const tunnelDial: Dial = () => {
  client ??= new HboneClient({ tls: env.pki.leaf(ID.client) });
  return client.connect({ nextHop: { host: '127.0.0.1', port: env.fixture.port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: [ID.server] });
};

it('times every round trip through one tunnel stream, sorted', async () => {
  const before = env.fixture.requests.length;
  const times = await echoLatency(tunnelDial, 30, 5);
  expect(times).toHaveLength(30);
  expect(times.every((t, i) => t > 0 && (i === 0 || t >= (times[i - 1] ?? 0)))).toBe(true);
  expect(env.fixture.requests.length - before).toBe(1);
});

it('holds idle tunnels, each proved with one echoed byte, until closed', async () => {
  const before = env.fixture.requests.length;
  const close = await openIdle(tunnelDial, 3);
  expect(env.fixture.requests.length - before).toBe(3);
  close();
});
