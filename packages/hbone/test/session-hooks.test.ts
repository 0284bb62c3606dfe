// The hooks a proxy uses to re-check peers after the handshake (ztunnel's CRL enforcement): onSession on both ends
// with the verified TLS socket, once per session rather than per tunnel, and onHandshakeError with OpenSSL's verdict
// when a client's chain is refused, here for a client certificate an openssl-made CRL revokes.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import type { Http2Session } from 'node:http2';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { HboneClient, HboneServer, type TlsMaterial } from '../src/index.js';
import { roundTrip } from './helpers.js';
import { ID } from './pki.js';
import { usePkiAndEcho } from './server-fixture.js';

const env = usePkiAndEcho();

/** A CRL signed by the test root revoking `leaf`'s serial (openssl ca -gencrl). */
function crlRevoking(leaf: TlsMaterial): string {
  const serial = new X509Certificate(leaf.cert).serialNumber;
  writeFileSync(join(env.pki.dir, 'crl-index.txt'), `R\t491231235959Z\t260101000000Z\t${serial}\tunknown\t/CN=x\n`);
  writeFileSync(join(env.pki.dir, 'crlnumber'), '01\n');
  writeFileSync(join(env.pki.dir, 'crl.cnf'), '[ca]\ndefault_ca = c\n[c]\ndatabase = crl-index.txt\ndefault_md = sha256\ndefault_crl_days = 1\ncrlnumber = crlnumber\n');
  execFileSync('openssl', ['ca', '-config', 'crl.cnf', '-gencrl', '-cert', 'root.pem', '-keyfile', 'root-key.pem', '-out', 'crl.pem'], { cwd: env.pki.dir, stdio: 'ignore' });
  return readFileSync(join(env.pki.dir, 'crl.pem'), 'utf8');
}

const peerRaw = (session: Http2Session): Buffer | undefined => (session.socket as TLSSocket).getPeerCertificate(true).raw;

describe('HboneServer and HboneClient hooks', () => {
  it('hand each new session, with its verified peer certificate, to onSession on both ends', async () => {
    const serverTls = env.pki.leaf(ID.server);
    const clientTls = env.pki.leaf(ID.client);
    const serverSessions: Http2Session[] = [];
    const clientSessions: Http2Session[] = [];
    const server = new HboneServer({ tls: serverTls, handler: () => net.connect(env.echo.port, '127.0.0.1'), onSession: (s) => serverSessions.push(s) });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = new HboneClient({ tls: clientTls, onSession: (s) => clientSessions.push(s) });
    try {
      for (const text of ['one', 'two']) {
        const stream = await client.connect({ nextHop: { host: '127.0.0.1', port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: [ID.server] });
        expect((await roundTrip(stream, text)).toString()).toBe(text);
      }
      // Two tunnels, one pooled session: each hook ran once.
      expect([serverSessions.length, clientSessions.length]).toEqual([1, 1]);
      expect(peerRaw(serverSessions[0]!)?.equals(new X509Certificate(clientTls.cert).raw)).toBe(true);
      expect(peerRaw(clientSessions[0]!)?.equals(new X509Certificate(serverTls.cert).raw)).toBe(true);
    } finally {
      client.close();
      await server.drain(1_000);
    }
  });

  it('tell onHandshakeError that a client was refused for a revoked certificate', async () => {
    const clientTls = env.pki.leaf(ID.client);
    const verdicts: (string | undefined)[] = [];
    const server = new HboneServer({ tls: { ...env.pki.leaf(ID.server), crl: crlRevoking(clientTls) }, handler: () => ({ kind: 'denied', reason: 'unused' }), onHandshakeError: (_err, why) => verdicts.push(why) });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = new HboneClient({ tls: clientTls, connectTimeoutMs: 2_000 });
    try {
      await expect(client.connect({ nextHop: { host: '127.0.0.1', port }, authority: '127.0.0.1:9', expectedIdentities: [ID.server] })).rejects.toThrow();
      await expect.poll(() => verdicts, { timeout: 2_000 }).toEqual(['CERT_REVOKED']);
    } finally {
      client.close();
      await server.drain(1_000);
    }
  });
});
