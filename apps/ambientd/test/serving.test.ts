// The gRPC port's certificate: mesh-CA issued, replaced at half-life in place, so clients keep verifying it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:tls';
import { CaClient } from '@ambient/ca-grpc';
import { startMesh, waitFor, type TestMesh } from './fixtures.js';

let mesh: TestMesh;
beforeAll(async () => {
  mesh = await startMesh(undefined, { servingTtlSeconds: 2 });
});
afterAll(() => mesh.stop());

/** The serial and expiry of the certificate a fresh TLS connection is shown (verified against the mesh root). */
function served(): Promise<{ serial: string; validTo: number }> {
  const [host, port] = [mesh.daemon.grpcAddress.split(':')[0], Number(mesh.daemon.grpcAddress.split(':')[1])];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: 'localhost', ca: mesh.daemon.rootPem, ALPNProtocols: ['h2'] }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ serial: cert.serialNumber, validTo: Date.parse(cert.valid_to) });
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('the serving certificate', () => {
  it('is replaced before it expires, and calls keep verifying it', async () => {
    const first = await served();
    const next = await waitFor('a new serving certificate', async () => {
      const now = await served();
      return now.serial !== first.serial && now;
    });
    expect(next.validTo).toBeGreaterThan(first.validTo);
    await waitFor('the first certificate to expire', () => Date.now() > first.validTo + 1_000);
    const client = new CaClient({ address: mesh.daemon.grpcAddress, rootPem: mesh.daemon.rootPem, token: await mesh.token({ namespace: 'default', serviceAccount: 'echo' }), impersonate: false });
    try {
      expect((await client.fetchSvid('spiffe://cluster.local/ns/default/sa/echo')).identity).toBe('spiffe://cluster.local/ns/default/sa/echo');
    } finally {
      client.close();
    }
  });
});
