// CreateCertificate's logic: authentication, Istio's impersonation rules, and refusals that sign nothing.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  anyAuthenticator,
  createCaService,
  createCsr,
  createToken,
  generateKeyPair,
  generateTokenKey,
  svidAuthenticator,
  tokenAuthenticator,
  type CertificateResult,
} from '../src/index.js';
import { createTestCa } from '../src/testing/index.js';

const TD = 'cluster.local';
const ZTUNNEL = 'spiffe://cluster.local/ns/istio-system/sa/ztunnel';
const ECHO = 'spiffe://cluster.local/ns/default/sa/echo';
const ca = createTestCa();
const tokenKey = generateTokenKey();
const onNode: Record<string, string[]> = { 'node-a': [ECHO] };

const service = createCaService({
  ca,
  authenticate: anyAuthenticator(
    tokenAuthenticator({ key: createPublicKey(tokenKey), trustDomain: TD }),
    svidAuthenticator({ trustDomain: TD, trustBundle: ca.roots }),
  ),
  trustedNodeAccounts: ['istio-system/ztunnel'],
  hasWorkloadOnNode: async (identity, node) => (onNode[node] ?? []).includes(identity),
});

const csrFor = (identity: string): string => createCsr(identity, generateKeyPair().privateKey);
const ztunnelToken = (node?: string): string =>
  createToken(tokenKey, { namespace: 'istio-system', serviceAccount: 'ztunnel', ...(node ? { node } : {}) });
const sanOf = (result: CertificateResult): string | undefined =>
  result.ok ? new X509Certificate(result.certChain[0] as string).subjectAltName : undefined;

afterEach(() => vi.restoreAllMocks());

describe('createCaService', () => {
  it('issues the caller its own identity from a bearer token', async () => {
    const token = createToken(tokenKey, { namespace: 'default', serviceAccount: 'echo' });
    const result = await service({ csr: csrFor(ECHO), validitySeconds: 3600 }, { bearerToken: token });
    expect(result).toMatchObject({ ok: true, identity: ECHO, caller: { via: 'token' } });
    expect(sanOf(result)).toBe(`URI:${ECHO}`);
  });

  it('lets a trusted node account impersonate a workload on its node', async () => {
    const result = await service({ csr: csrFor(ECHO), impersonatedIdentity: ECHO }, { bearerToken: ztunnelToken('node-a') });
    expect(result).toMatchObject({ ok: true, identity: ECHO, caller: { identity: ZTUNNEL, node: 'node-a' } });
    expect(sanOf(result)).toBe(`URI:${ECHO}`);
  });

  it('authenticates by client SVID', async () => {
    const svid = ca.issueSvid(ECHO);
    const result = await service({ csr: csrFor(ECHO) }, { peerCertificates: svid.certChain.map((c) => c.raw) });
    expect(result).toMatchObject({ ok: true, caller: { via: 'svid', identity: ECHO } });
  });

  it('accepts a valid SVID even when a stale token comes along', async () => {
    const svid = ca.issueSvid(ECHO);
    const result = await service({ csr: csrFor(ECHO) }, { bearerToken: 'x.y.z', peerCertificates: svid.certChain.slice(0, 1).map((c) => c.raw) });
    expect(result.ok).toBe(true);
  });

  it.each<[string, () => Promise<CertificateResult>, string, RegExp]>([
    ['no credential', () => service({ csr: csrFor(ECHO) }, {}), 'UNAUTHENTICATED', /no credential/],
    ['a token from another key', () => service({ csr: csrFor(ECHO) }, { bearerToken: createToken(generateTokenKey(), { namespace: 'default', serviceAccount: 'echo' }) }), 'UNAUTHENTICATED', /signature/],
    ['a garbage token', () => service({ csr: csrFor(ECHO) }, { bearerToken: 'garbage' }), 'UNAUTHENTICATED', /malformed/],
    [
      'a client SVID from another root',
      () => service({ csr: csrFor(ECHO) }, { peerCertificates: createTestCa().issueSvid(ECHO).certChain.map((c) => c.raw) }),
      'UNAUTHENTICATED',
      /does not chain/,
    ],
    [
      'impersonation by an untrusted account',
      () => service({ csr: csrFor(ECHO), impersonatedIdentity: ECHO }, { bearerToken: createToken(tokenKey, { namespace: 'default', serviceAccount: 'sleep', node: 'node-a' }) }),
      'PERMISSION_DENIED',
      /not a trusted node account/,
    ],
    [
      'impersonation of a workload on another node',
      () => service({ csr: csrFor(ECHO), impersonatedIdentity: ECHO }, { bearerToken: ztunnelToken('node-b') }),
      'PERMISSION_DENIED',
      /no workload with identity .* runs on node node-b/,
    ],
    [
      'impersonation without a node in the token',
      () => service({ csr: csrFor(ECHO), impersonatedIdentity: ECHO }, { bearerToken: ztunnelToken() }),
      'PERMISSION_DENIED',
      /names no node/,
    ],
    [
      'impersonation of a malformed identity',
      () => service({ csr: csrFor(ECHO), impersonatedIdentity: 'spiffe://cluster.local/ns/default' }, { bearerToken: ztunnelToken('node-a') }),
      'PERMISSION_DENIED',
      /not an Istio identity/,
    ],
    [
      'impersonation by an SVID caller (no node)',
      () => service({ csr: csrFor(ECHO), impersonatedIdentity: ECHO }, { peerCertificates: ca.issueSvid(ZTUNNEL).certChain.slice(0, 1).map((c) => c.raw) }),
      'PERMISSION_DENIED',
      /names no node/,
    ],
    [
      'a CSR for someone other than the caller',
      () => service({ csr: csrFor(ZTUNNEL) }, { bearerToken: createToken(tokenKey, { namespace: 'default', serviceAccount: 'echo' }) }),
      'PERMISSION_DENIED',
      /caller may only get/,
    ],
    [
      'a garbage CSR',
      () => service({ csr: 'garbage' }, { bearerToken: createToken(tokenKey, { namespace: 'default', serviceAccount: 'echo' }) }),
      'INVALID_ARGUMENT',
      /CERTIFICATE REQUEST/,
    ],
  ])('refuses %s and signs nothing', async (_name, call, status, reason) => {
    const sign = vi.spyOn(ca, 'sign');
    const result = await call();
    expect(result).toMatchObject({ ok: false, status, reason: expect.stringMatching(reason) });
    // The CSR-level refusals reach sign() and are thrown by it; none returns a chain.
    for (const r of sign.mock.results) expect(r.type).toBe('throw');
  });
});
