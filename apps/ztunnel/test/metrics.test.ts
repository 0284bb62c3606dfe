// /metrics of a running ztunnel process fed by ambientd: istio_build, the xDS client metrics, a refused connection in
// istio_tcp_connections_failed_total and istio_tcp_sockets_open following a live tunnel. Both quickstart workloads
// are served by this one ztunnel (sleep 127.0.16.1, echo 127.0.26.1) so the tunnel goes through its own HBONE listener.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { startOneNodeMesh, type OneNodeMesh } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const SLEEP_SOCKS = { host: '127.0.16.1', port: 15080 };
const ECHO = { host: '127.0.26.1', port: 8080 };

let dir: string;
let mesh: OneNodeMesh;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-metrics-'));
  const configDir = writeQuickstart(join(dir, 'config'), { '127.0.10.1': SLEEP_SOCKS.host, '127.0.20.1': ECHO.host, 'ambient.dev/node: node-b': 'ambient.dev/node: node-a' });
  mesh = await startOneNodeMesh(configDir, dir);
}, 300_000);

afterAll(async () => {
  await mesh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The values of every sample of `name` whose labels include `match`, from the text exposition. */
async function samples(name: string, match: Record<string, string> = {}): Promise<number[]> {
  const text = await (await fetch(`http://${mesh.ztunnel.started['metrics'] ?? ''}/metrics`)).text();
  const wanted = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => wanted.every((pair) => line.slice(0, line.lastIndexOf('}') + 1).includes(pair)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

describe('a running ztunnel\'s /metrics', () => {
  it('serves istio_build with the package version and counts the Address responses it received', async () => {
    expect(await samples('istio_build', { component: 'ztunnel', tag: VERSION })).toEqual([1]);
    const [messages = 0] = await samples('istio_xds_message_total', { url: ADDRESS_TYPE_URL });
    expect(messages).toBeGreaterThanOrEqual(1);
    const [bytes = 0] = await samples('istio_xds_message_bytes_total', { url: ADDRESS_TYPE_URL });
    expect(bytes).toBeGreaterThan(0); // two workloads and a service
    expect(await samples('istio_xds_connection_terminations_total')).toEqual([]); // the stream never ended
  });

  it('counts a tunnel to a closed app port as failed with CONNECT, on both sides, with open sockets back at 0', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
    socket.destroy();
    expect(reply).toBe(5); // connection refused: nothing listens on echo's 8080
    const inbound = { reporter: 'destination', destination_workload: 'echo', response_flags: 'CONNECT' };
    await vi.waitFor(async () => expect(await samples('istio_tcp_connections_failed_total', inbound)).toEqual([1]), { timeout: 15_000, interval: 50 });
    expect(await samples('istio_tcp_connections_closed_total', inbound)).toEqual([1]);
    expect(await samples('istio_tcp_connections_failed_total', { reporter: 'source', destination_workload: 'echo', response_flags: 'CONNECT' })).toEqual([1]);
    expect(await samples('istio_tcp_connections_failed_total', { response_flags: '-' })).toEqual([]);
    expect(await samples('istio_tcp_sockets_open')).toEqual([0, 0]);
  });

  it('shows a live tunnel in istio_tcp_sockets_open on both reporters until it closes', async () => {
    const app = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => app.listen(ECHO.port, ECHO.host, resolve));
    try {
      const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
      expect(reply).toBe(0);
      expect(await roundTrip(socket, 'open')).toBe('open');
      expect(await samples('istio_tcp_sockets_open', { reporter: 'source' })).toEqual([1]);
      expect(await samples('istio_tcp_sockets_open', { reporter: 'destination' })).toEqual([1]);
      socket.end();
      await vi.waitFor(async () => expect(await samples('istio_tcp_sockets_open')).toEqual([0, 0]), { timeout: 15_000, interval: 50 });
      expect(await samples('istio_tcp_connections_failed_total', { response_flags: 'CONNECT' })).toEqual([1, 1]); // unchanged
    } finally {
      app.close();
    }
  });
});
