// The CA on the same port: node tokens, impersonation bounded by the workloads on the caller's node (CaClient).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { CaClient, CaGrpcError } from '@ambient/ca-grpc';
import { createToken, openTokenKey } from '@ambient/spiffe';
import { addressType } from '@ambient/xds-client';
import { startMesh, ztunnel, type TestMesh } from './fixtures.js';

const ECHO_ID = 'spiffe://cluster.local/ns/default/sa/echo';
const SLEEP_ID = 'spiffe://cluster.local/ns/default/sa/sleep';

let mesh: TestMesh;
beforeAll(async () => {
  mesh = await startMesh();
});
afterAll(() => mesh.stop());

function ca(token: string, options: { impersonate?: boolean; serverName?: string } = {}): CaClient {
  return new CaClient({ address: mesh.daemon.grpcAddress, rootPem: mesh.daemon.rootPem, token, trustAnchors: mesh.daemon.rootPem, timeoutMs: 5_000, ...options });
}

async function refusal(client: CaClient, identity: string): Promise<string> {
  try {
    await client.fetchSvid(identity);
  } catch (err) {
    if (err instanceof CaGrpcError) return `${err.grpcStatus}: ${err.message}`;
    throw err;
  } finally {
    client.close();
  }
  throw new Error(`${identity} was signed`);
}

/** A token ambientd must refuse, made with the real key unless the case is about the key. */
async function badToken(kind: 'signature' | 'expired' | 'audience'): Promise<string> {
  const { key } = await openTokenKey(mesh.stateDir);
  const claims = { namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a' };
  if (kind === 'signature') return createToken(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, claims);
  if (kind === 'expired') return createToken(key, { ...claims, ttlSeconds: 60, clock: () => Date.now() - 3_600_000 });
  return createToken(key, { ...claims, audience: 'someone-else' });
}

describe('the CA service', () => {
  it('signs a workload on the calling ztunnel\'s node, chained to the state directory root', async () => {
    const client = ca(await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a' }));
    const svid = await client.fetchSvid(ECHO_ID);
    client.close();
    expect(svid.identity).toBe(ECHO_ID);
    expect(svid.roots.map((r) => r.toString())).toContain(mesh.daemon.rootPem.trim() + '\n');
  });

  it('refuses impersonation of a workload that runs on another node', async () => {
    const client = ca(await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a' }));
    expect(await refusal(client, SLEEP_ID)).toMatch(/^PERMISSION_DENIED: .*no workload with identity .*sleep runs on node node-a/);
  });

  it('refuses impersonation by an account that is not a trusted node account', async () => {
    const client = ca(await mesh.token({ namespace: 'default', serviceAccount: 'sleep', node: 'node-b' }));
    expect(await refusal(client, ECHO_ID)).toMatch(/^PERMISSION_DENIED: .*not a trusted node account/);
  });

  it('signs a workload its own identity without impersonation', async () => {
    const client = ca(await mesh.token({ namespace: 'default', serviceAccount: 'sleep' }), { impersonate: false });
    expect((await client.fetchSvid(SLEEP_ID)).identity).toBe(SLEEP_ID);
    client.close();
  });

  it('serves a certificate valid for localhost and istiod.istio-system.svc as well as the listen address', async () => {
    const token = await mesh.token({ namespace: 'default', serviceAccount: 'echo' });
    for (const serverName of ['localhost', 'istiod.istio-system.svc']) {
      const client = ca(token, { impersonate: false, serverName });
      expect((await client.fetchSvid(ECHO_ID)).identity).toBe(ECHO_ID);
      client.close();
    }
    expect(await refusal(ca(token, { impersonate: false, serverName: 'elsewhere.example' }), ECHO_ID)).toMatch(/^UNAVAILABLE/);
  });

  for (const kind of ['signature', 'expired', 'audience'] as const) {
    it(`refuses a token with a bad ${kind} on the CA and on xDS`, async () => {
      const token = await badToken(kind);
      const reason = { signature: /signature does not verify/, expired: /expired/, audience: /audience/ }[kind];
      const message = await refusal(ca(token), ECHO_ID);
      expect(message).toMatch(/^UNAUTHENTICATED: /);
      expect(message).toMatch(reason);
      const client = ztunnel(mesh.daemon, token, 'node-a');
      try {
        await expect.poll(() => client.connectionState().lastError, { timeout: 5_000 }).toMatchObject({ code: 16, details: expect.stringMatching(reason) });
        expect(client.snapshot(addressType).size).toBe(0);
      } finally {
        client.close();
      }
    });
  }

  it('refuses a call without a token', async () => {
    const client = new CaClient({ address: mesh.daemon.grpcAddress, rootPem: mesh.daemon.rootPem, impersonate: false });
    expect(await refusal(client, ECHO_ID)).toMatch(/^UNAUTHENTICATED: .*no credential/);
  });
});
