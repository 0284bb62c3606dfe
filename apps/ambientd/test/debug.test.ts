// The debug port: readiness, Prometheus metrics, sync status (SYNCED, then NACKED), configz and config errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import { MESH, getText, startMesh, waitFor, ztunnel, type TestMesh } from './fixtures.js';

let mesh: TestMesh;
beforeAll(async () => {
  mesh = await startMesh();
});
afterAll(() => mesh.stop());

interface SyncRow { id: string; node: string; types: Record<string, { status: string; nonce: string; error?: string }> }

async function syncz(): Promise<SyncRow[]> {
  const { body, type } = await getText(mesh.daemon, '/debug/syncz');
  expect(type).toBe('application/json');
  return JSON.parse(body) as SyncRow[];
}

describe('the debug port', () => {
  it('is ready once the config is loaded and gRPC serves, and names its routes otherwise', async () => {
    expect(await getText(mesh.daemon, '/ready')).toMatchObject({ status: 200, body: 'ready\n' });
    const missing = await getText(mesh.daemon, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/\/debug\/syncz/);
    expect((await fetch(`http://${mesh.daemon.debugAddress}/ready`, { method: 'POST' })).status).toBe(405);
  });

  it('shows a proxy SYNCED, then NACKED with its reason when it refuses a push', async () => {
    let refuse = false;
    const client = ztunnel(mesh.daemon, await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-b' }), 'node-b', (batch) =>
      refuse ? new Map(batch.changed.map((c) => [c.name, 'refused by the test'])) : undefined,
    );
    try {
      await client.ready();
      const synced = await waitFor('both types SYNCED', async () => {
        const row = (await syncz()).find((r) => r.id.startsWith(client.nodeId));
        return row?.types[ADDRESS_TYPE_URL]?.status === 'SYNCED' && row.types[AUTHORIZATION_TYPE_URL]?.status === 'SYNCED' && row;
      });
      expect(synced.node).toBe(client.nodeId);
      refuse = true;
      mesh.write('workloads.yaml', MESH['workloads.yaml']?.replace('127.0.10.2', '127.0.10.42') ?? '');
      const nacked = await waitFor('the address type NACKED', async () => {
        const row = (await syncz()).find((r) => r.id.startsWith(client.nodeId));
        return row?.types[ADDRESS_TYPE_URL]?.status === 'NACKED' && row.types[ADDRESS_TYPE_URL];
      });
      expect(nacked.error).toMatch(/WorkloadEntry\/default\/sleep: refused by the test/);
      expect(nacked.nonce).not.toBe(synced.types[ADDRESS_TYPE_URL]?.nonce);
    } finally {
      client.close();
      mesh.write('workloads.yaml', MESH['workloads.yaml'] ?? '');
    }
  });

  it('serves Prometheus text with connected proxies, pushes, push latency and config errors', async () => {
    const client = ztunnel(mesh.daemon, await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a' }), 'node-a');
    try {
      await client.ready();
      mesh.write('workloads.yaml', MESH['workloads.yaml']?.replace('127.0.10.1', '127.0.10.31') ?? '');
      const text = await waitFor('a push in the metrics', async () => {
        const { body } = await getText(mesh.daemon, '/metrics');
        return /pilot_xds_pushes_total\{[^}]*type="address"[^}]*\} [1-9]/.test(body) && body;
      });
      expect(text).toMatch(/^pilot_xds 1$/m);
      expect(text).toMatch(/^pilot_proxy_convergence_time_count [1-9]/m);
      expect(text).toMatch(/^ambientd_config_errors 0$/m);
    } finally {
      client.close();
    }
  });

  it('lists config errors and shows the translated config', async () => {
    mesh.write('broken.yaml', 'kind: WorkloadEntry\nmetadata: [\n');
    try {
      const errors = await waitFor('the broken file in /debug/config-errors', async () => {
        const list = JSON.parse((await getText(mesh.daemon, '/debug/config-errors')).body) as { file: string; code: string; message: string }[];
        return list.length > 0 && list;
      });
      expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG_ERR_YAML', file: expect.stringMatching(/broken\.yaml$/), message: expect.any(String) })]);
      expect((await getText(mesh.daemon, '/metrics')).body).toMatch(/^ambientd_config_errors 1$/m);
      const configz = await getText(mesh.daemon, '/debug/configz');
      expect(configz.type).toBe('application/json');
      expect(configz.body).toContain('WorkloadEntry/default/echo');
    } finally {
      mesh.remove('broken.yaml');
    }
  });
});
