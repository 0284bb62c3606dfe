// HBONE peer verification: ztunnel's server-side and client-side identity rules, on plain chains and in a real
// TLS handshake on loopback.
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { peerChainFromTls, tlsMaterialFromSvid, toPem, verifyPeerChain, type PeerVerdict, type Svid } from '../src/index.js';
import { createTestCa, createTestIntermediateCa, issueTestSvid } from '../src/testing/index.js';

const CLIENT = 'spiffe://cluster.local/ns/default/sa/sleep';
const SERVER = 'spiffe://cluster.local/ns/default/sa/echo';
const DAY = 86_400_000;
const ca = createTestCa();
const client = ca.issueSvid(CLIENT);
const server = ca.issueSvid(SERVER);
const chainOf = (svid: Svid): Buffer[] => svid.certChain.map((c) => c.raw);
const codeOf = (verdict: PeerVerdict): string | undefined => (verdict.ok ? undefined : verdict.error.code);

describe('verifyPeerChain', () => {
  it('server mode accepts a client of the same trust domain and names it by its URI SAN', () => {
    const verdict = verifyPeerChain(chainOf(client), ca.rootBundlePem, { mode: 'server', trustDomain: 'cluster.local' });
    expect(verdict.ok && verdict.identity).toMatchObject({ uri: CLIENT, namespace: 'default', serviceAccount: 'sleep' });
  });

  it('client mode accepts the server only when it is one of the expected identities', () => {
    const ok = verifyPeerChain(server.certChain, ca.roots, { mode: 'client', expectedIdentities: ['spiffe://x.y/ns/a/sa/b', SERVER] });
    expect(ok.ok && ok.identity.uri).toBe(SERVER);
    const wrong = verifyPeerChain(server.certChain, ca.roots, { mode: 'client', expectedIdentities: [CLIENT] });
    expect(codeOf(wrong)).toBe('SPIFFE_ERR_IDENTITY_MISMATCH');
    expect(!wrong.ok && wrong.error.message).toContain(SERVER);
  });

  it('accepts PEM text and chains through an intermediate', () => {
    const intermediate = createTestIntermediateCa();
    const svid = intermediate.issueSvid(CLIENT);
    const pem = svid.certChain.map((c) => c.toString()).join('');
    expect(verifyPeerChain(pem, intermediate.rootBundlePem, { mode: 'server', trustDomain: 'cluster.local' }).ok).toBe(true);
    const leafOnly = verifyPeerChain(svid.certChain.slice(0, 1), intermediate.roots, { mode: 'server', trustDomain: 'cluster.local' });
    expect(codeOf(leafOnly)).toBe('SPIFFE_ERR_CHAIN_UNTRUSTED');
  });

  it.each<[string, () => PeerVerdict, string]>([
    ['an empty chain', () => verifyPeerChain([], ca.roots, { mode: 'server', trustDomain: 'cluster.local' }), 'SPIFFE_ERR_CHAIN_EMPTY'],
    ['garbage DER', () => verifyPeerChain([Buffer.from('garbage')], ca.roots, { mode: 'server', trustDomain: 'cluster.local' }), 'SPIFFE_ERR_BAD_DER'],
    ['garbage PEM', () => verifyPeerChain('nonsense', ca.roots, { mode: 'server', trustDomain: 'cluster.local' }), 'SPIFFE_ERR_BAD_PEM'],
    [
      'a chain from another root',
      () => verifyPeerChain(chainOf(issueTestSvid(CLIENT)), ca.roots, { mode: 'server', trustDomain: 'cluster.local' }),
      'SPIFFE_ERR_CHAIN_UNTRUSTED',
    ],
    [
      'an expired chain',
      () => verifyPeerChain(chainOf(client), ca.roots, { mode: 'server', trustDomain: 'cluster.local', now: new Date(Date.now() + 2 * DAY) }),
      'SPIFFE_ERR_CERT_EXPIRED',
    ],
    [
      'a not-yet-valid chain',
      () => verifyPeerChain(chainOf(client), ca.roots, { mode: 'server', trustDomain: 'cluster.local', now: new Date(Date.now() - DAY) }),
      'SPIFFE_ERR_CERT_NOT_YET_VALID',
    ],
    [
      'a leaf issued before its CA expired but used after',
      () => {
        const old = createTestCa({ clock: () => Date.now() - 3 * DAY });
        return verifyPeerChain(chainOf(old.issueSvid(CLIENT)), old.roots, { mode: 'server', trustDomain: 'cluster.local' });
      },
      'SPIFFE_ERR_CERT_EXPIRED',
    ],
    [
      'another trust domain under a trusted root',
      () => {
        const other = createTestCa({ trustDomain: 'evil.org' });
        return verifyPeerChain(chainOf(other.issueSvid('spiffe://evil.org/ns/default/sa/sleep')), other.roots, {
          mode: 'server',
          trustDomain: 'cluster.local',
        });
      },
      'SPIFFE_ERR_TRUST_DOMAIN_MISMATCH',
    ],
    [
      'a CA certificate presented as leaf',
      () => verifyPeerChain(ca.roots, ca.roots, { mode: 'server', trustDomain: 'cluster.local' }),
      'SPIFFE_ERR_KEY_USAGE',
    ],
  ])('refuses %s', (_name, run, code) => {
    expect(codeOf(run())).toBe(code);
  });

  it('refuses a certificate whose signature was tampered with', () => {
    const der = Buffer.from(client.certChain.map((c) => c.raw)[0] as Buffer);
    der[der.length - 2] = (der[der.length - 2] as number) ^ 0x01;
    const verdict = verifyPeerChain(toPem(der, 'CERTIFICATE'), ca.roots, { mode: 'server', trustDomain: 'cluster.local' });
    expect(verdict.ok).toBe(false);
  });
});

describe('in a real TLS 1.3 handshake', () => {
  const sockets: TLSSocket[] = [];
  afterAll(() => sockets.forEach((s) => s.destroy()));

  it('both sides learn each other’s identity from tlsMaterialFromSvid + verifyPeerChain', async () => {
    const serverTls = tlsMaterialFromSvid(server);
    const clientTls = tlsMaterialFromSvid(client);
    const serverSeen = new Promise<PeerVerdict>((resolve) => {
      const srv = createServer({ ...serverTls, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
        resolve(verifyPeerChain(peerChainFromTls(socket.getPeerCertificate(true)), serverTls.ca, { mode: 'server', trustDomain: 'cluster.local' }));
        socket.end();
        srv.close();
      });
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        const socket = connect({
          ...clientTls,
          host: '127.0.0.1',
          port,
          servername: undefined,
          checkServerIdentity: (_host, cert) => {
            const verdict = verifyPeerChain(peerChainFromTls(cert), clientTls.ca, { mode: 'client', expectedIdentities: [SERVER] });
            return verdict.ok ? undefined : verdict.error;
          },
        });
        socket.on('error', () => undefined);
        socket.resume();
        sockets.push(socket);
      });
    });
    const verdict = await serverSeen;
    expect(verdict.ok && verdict.identity.uri).toBe(CLIENT);
  });

  it('the client refuses a server that is not the expected identity', async () => {
    const serverTls = tlsMaterialFromSvid(server);
    const clientTls = tlsMaterialFromSvid(client);
    const srv = createServer({ ...serverTls, requestCert: true }, (socket) => socket.end());
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    const error = await new Promise<Error>((resolve) => {
      const socket = connect({
        ...clientTls,
        host: '127.0.0.1',
        port,
        checkServerIdentity: (_host, cert) => {
          const verdict = verifyPeerChain(peerChainFromTls(cert), clientTls.ca, { mode: 'client', expectedIdentities: [CLIENT] });
          return verdict.ok ? undefined : verdict.error;
        },
      });
      socket.on('error', resolve);
      sockets.push(socket);
    });
    srv.close();
    expect(error).toMatchObject({ code: 'SPIFFE_ERR_IDENTITY_MISMATCH' });
  });
});
