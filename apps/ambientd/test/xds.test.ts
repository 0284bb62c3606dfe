// A ztunnel-shaped client (@ambient/xds-client over TLS with a minted node token) against ambientd in-process.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import { addressType, authorizationType, type XdsClient } from '@ambient/xds-client';
import { MeshConfig } from '@ambient/mesh-config';
import type { ConfigTranslator } from '../src/index.js';
import { ECHO_SERVICE, ECHO_UID, MESH, OpenedPerTest, SLEEP_UID, startMesh, waitFor, ztunnel, type TestMesh } from './fixtures.js';

const POLICY = 'default/allow-sleep';

const opened = new OpenedPerTest();
afterEach(() => opened.close());

async function connected(node = 'node-a'): Promise<{ mesh: TestMesh; client: XdsClient }> {
  const mesh = (opened.mesh ??= await startMesh());
  const client = ztunnel(mesh.daemon, await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node }), node);
  opened.clients.push(client);
  await client.ready();
  return { mesh, client };
}

describe('ambientd serves the mesh over delta ADS', () => {
  it('sends the Workloads, Services and Authorizations of the config directory', async () => {
    const { client } = await connected();
    const addresses = client.snapshot(addressType);
    expect([...addresses.keys()].sort()).toEqual([ECHO_SERVICE, ECHO_UID, SLEEP_UID].sort());
    const echo = addresses.get(ECHO_UID)?.type;
    expect(echo?.case).toBe('workload');
    if (echo?.case === 'workload') {
      expect(echo.value).toMatchObject({ name: 'echo', namespace: 'default', serviceAccount: 'echo', node: 'node-a' });
      expect([...(echo.value.addresses[0] ?? [])]).toEqual([127, 0, 10, 1]);
    }
    expect(addresses.get(ECHO_SERVICE)?.type.case).toBe('service');
    expect([...client.snapshot(authorizationType).keys()]).toEqual([POLICY]);
    expect(client.snapshot(authorizationType).get(POLICY)).toMatchObject({ name: 'allow-sleep', namespace: 'default' });
  });

  it('pushes a file edit to connected clients', async () => {
    const { mesh, client } = await connected();
    mesh.write('workloads.yaml', MESH['workloads.yaml']?.replace('127.0.10.2', '127.0.10.22') ?? '');
    await waitFor('the edited address', () => {
      const sleep = client.find(addressType, SLEEP_UID)?.type;
      return sleep?.case === 'workload' && sleep.value.addresses[0]?.[3] === 22;
    });
  });

  it('removes the resources of a removed file and brings them back when it returns', async () => {
    const { mesh, client } = await connected();
    mesh.remove('policies.yaml');
    await waitFor('the policy to go', () => client.snapshot(authorizationType).size === 0);
    expect(client.find(addressType, ECHO_UID)).toBeDefined();
    mesh.write('policies.yaml', MESH['policies.yaml'] ?? '');
    await waitFor('the policy to return', () => client.find(authorizationType, POLICY));
  });

  it('keeps serving the rest, and the last good objects, when a file stops parsing', async () => {
    const { mesh, client } = await connected();
    mesh.write('services.yaml', 'kind: ServiceEntry\nmetadata: {name: [unclosed\n');
    const problems = await waitFor('a config problem', () => {
      const p = mesh.daemon.configErrors();
      return p.length > 0 && p;
    });
    expect(problems[0]).toMatchObject({ code: 'CONFIG_ERR_YAML', file: expect.stringMatching(/services\.yaml$/) });
    mesh.write('workloads.yaml', MESH['workloads.yaml']?.replace('127.0.10.2', '127.0.10.23') ?? '');
    await waitFor('an edit of a good file after the bad one', () => {
      const sleep = client.find(addressType, SLEEP_UID)?.type;
      return sleep?.case === 'workload' && sleep.value.addresses[0]?.[3] === 23;
    });
    expect(client.find(addressType, ECHO_SERVICE)).toBeDefined();
  });

  it('keeps serving the last good config while the directory is gone, and follows the one that replaces it', async () => {
    const { mesh, client } = await connected();
    rmSync(mesh.configDir, { recursive: true });
    await waitFor('the directory problem', () => mesh.daemon.configErrors().some((p) => p.code === 'AMBIENTD_ERR_CONFIG_DIR'));
    expect(client.snapshot(addressType).size).toBe(3);
    mkdirSync(mesh.configDir);
    mesh.write('workloads.yaml', MESH['workloads.yaml'] ?? '');
    await waitFor('only the workloads of the new directory', () => client.snapshot(addressType).size === 2 && client.snapshot(authorizationType).size === 0);
    expect(mesh.daemon.configErrors()).toEqual([]);
  });

  it('survives a translator that throws, serving what it served before', async () => {
    const real = new MeshConfig({ clusterId: 'Kubernetes', trustDomain: 'cluster.local', rootNamespace: 'istio-system' });
    const throwing: ConfigTranslator = {
      update: (files) => {
        if (files.some((f) => f.text.includes('BOOM'))) throw new Error('BOOM');
        return real.update(files);
      },
      current: () => real.current(),
      hasWorkloadOnNode: (identity, node) => real.hasWorkloadOnNode(identity, node),
    };
    const mesh = (opened.mesh = await startMesh(MESH, { translator: throwing }));
    const { client } = await connected();
    mesh.write('boom.yaml', '# BOOM\n');
    mesh.write('workloads.yaml', MESH['workloads.yaml']?.replace('127.0.10.2', '127.0.10.24') ?? '');
    await waitFor('the failed update reported', () => mesh.daemon.configErrors().some((p) => p.code === 'AMBIENTD_ERR_CONFIG_APPLY'));
    const during = client.find(addressType, SLEEP_UID)?.type;
    expect(during?.case === 'workload' && during.value.addresses[0]?.[3]).toBe(2);
    mesh.remove('boom.yaml');
    await waitFor('the edit once the translator recovers', () => {
      const sleep = client.find(addressType, SLEEP_UID)?.type;
      return sleep?.case === 'workload' && sleep.value.addresses[0]?.[3] === 24;
    });
    expect(client.snapshot(addressType).size).toBe(3);
  });

  it('ends every stream with UNAVAILABLE on close, so ztunnels reconnect', async () => {
    const { mesh, client } = await connected();
    await mesh.daemon.close();
    await expect.poll(() => client.connectionState().lastError, { timeout: 5_000 }).toMatchObject({ code: 14, details: expect.stringMatching(/shutting down/) });
    expect(client.snapshot(addressType).size).toBe(3);
  });
});
