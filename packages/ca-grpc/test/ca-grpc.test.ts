// CreateCertificate end to end over gRPC + TLS on loopback: our client against our server, and the checks the
// client makes on what a CA returns.
import { create } from '@bufbuild/protobuf';
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IstioCertificateRequestSchema, IstioCertificateResponseSchema, type IstioCertificateRequest, type IstioCertificateResponse } from '@ambient/api/ca';
import { SecretManager, tlsMaterialFromSvid, verifyPeerChain } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import { CaClient, CaGrpcError, toCertificateRequest } from '../src/index.js';
import { ECHO, startCa, ZTUNNEL, type Harness } from './harness.js';

let ca: Harness;
const clients: CaClient[] = [];
const client = (options: Partial<ConstructorParameters<typeof CaClient>[0]> = {}): CaClient => {
  const c = new CaClient({ address: ca.address, rootPem: ca.rootPem, token: ca.token('istio-system', 'ztunnel', 'node-a'), ...options });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  ca = await startCa();
});
afterAll(() => {
  clients.forEach((c) => c.close());
  ca.close();
});

async function failure(promise: Promise<unknown>): Promise<CaGrpcError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CaGrpcError);
  return err as CaGrpcError;
}

describe('CaClient against the CA service', () => {
  it('gets an impersonated workload certificate whose chain verifies to the mesh root', async () => {
    const svid = await client().fetchSvid(ECHO);
    expect(svid.identity).toBe(ECHO);
    const verdict = verifyPeerChain(svid.certChain, ca.rootPem, { mode: 'server', trustDomain: 'cluster.local' });
    expect(verdict.ok && verdict.identity.uri).toBe(ECHO);
    expect(tlsMaterialFromSvid(svid).ca).toBe(ca.rootPem);
  });

  it('honours the requested TTL and feeds the secret manager', async () => {
    const manager = new SecretManager({ fetch: client({ ttlSeconds: 3600 }).fetchSvid });
    const svid = await manager.fetchSvid(ECHO);
    expect((svid.notAfter.getTime() - svid.notBefore.getTime()) / 1000).toBe(3600 + 300);
    expect(manager.findSvid(ECHO)).toBe(svid);
    manager.close();
  });

  it('gets its own identity without impersonation', async () => {
    const svid = await client({ impersonate: false, token: ca.token('default', 'echo') }).fetchSvid(ECHO);
    expect(svid.identity).toBe(ECHO);
  });

  it('authenticates with a client SVID instead of a token', async () => {
    const own = ca.ca.issueSvid(ECHO);
    const tls = tlsMaterialFromSvid(own);
    const svid = await client({ impersonate: false, token: undefined, clientCertificate: { keyPem: tls.key, certChainPem: tls.cert } }).fetchSvid(ECHO);
    expect(svid.identity).toBe(ECHO);
  });

  it.each<[string, () => Promise<unknown>, string, RegExp]>([
    ['no credential', () => client({ token: undefined }).fetchSvid(ECHO), 'UNAUTHENTICATED', /no credential/],
    ['a forged token', () => client({ token: 'a.b.c' }).fetchSvid(ECHO), 'UNAUTHENTICATED', /malformed|signature/],
    [
      'an SVID from another CA',
      () => {
        const tls = tlsMaterialFromSvid(createTestCa().issueSvid(ECHO));
        return client({ impersonate: false, token: undefined, clientCertificate: { keyPem: tls.key, certChainPem: tls.cert } }).fetchSvid(ECHO);
      },
      'UNAUTHENTICATED',
      // grpc-js exposes a client certificate only when TLS verified it, so a foreign one looks like none.
      /no credential/,
    ],
    ['impersonation by a workload', () => client({ token: ca.token('default', 'sleep', 'node-a') }).fetchSvid(ECHO), 'PERMISSION_DENIED', /trusted node account/],
    ['impersonation off-node', () => client({ token: ca.token('istio-system', 'ztunnel', 'node-b') }).fetchSvid(ECHO), 'PERMISSION_DENIED', /node-b/],
    ['asking for someone else without impersonation', () => client({ impersonate: false }).fetchSvid(ECHO), 'PERMISSION_DENIED', /may only get/],
  ])('is refused for %s with the status and reason', async (_name, call, grpcStatus, reason) => {
    const err = await failure(call());
    expect(err).toMatchObject({ code: 'CA_GRPC_ERR_CALL', grpcStatus });
    expect(err.message).toMatch(reason);
  });

  it('sends extra headers on the call (CA_HEADER_*)', async () => {
    let seen: Record<string, unknown> = {};
    const h = await startCa({
      createCertificate: (call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, cb: sendUnaryData<IstioCertificateResponse>) => {
        seen = call.metadata.getMap();
        cb({ code: status.UNAUTHENTICATED, details: 'seen' });
      },
    });
    try {
      await failure(new CaClient({ address: h.address, rootPem: h.rootPem, token: 't', clusterId: 'Kubernetes', headers: { 'x-tenant': 'blue' } }).fetchSvid(ECHO));
      expect(seen).toMatchObject({ 'x-tenant': 'blue', authorization: 'Bearer t', clusterid: 'Kubernetes' });
    } finally {
      h.close();
    }
  });

  it('reports an unreachable CA', async () => {
    const closed = await startCa();
    closed.close();
    const err = await failure(client({ address: closed.address, timeoutMs: 2000 }).fetchSvid(ECHO));
    expect(err.grpcStatus).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
  });

  it('refuses a CA whose serving certificate is from another root', async () => {
    const err = await failure(client({ rootPem: createTestCa().rootBundlePem, timeoutMs: 2000 }).fetchSvid(ECHO));
    expect(err.grpcStatus).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
  });
});

describe('CaClient checks what a CA returns', () => {
  const liar = (answer: (request: IstioCertificateRequest, harness: Harness) => string[]) => {
    let harness: Harness | undefined;
    return {
      start: async () => {
        harness = await startCa({
          createCertificate: (call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, cb: sendUnaryData<IstioCertificateResponse>) =>
            cb(null, create(IstioCertificateResponseSchema, { certChain: answer(call.request, harness as Harness) })),
        });
        return harness;
      },
    };
  };

  it.each<[string, (request: IstioCertificateRequest, h: Harness) => string[], RegExp]>([
    ['a chain for another identity', (_r, h) => [h.ca.issueSvid(ZTUNNEL).certChain[0]?.toString() ?? '', h.rootPem], /IDENTITY_MISMATCH/],
    ['a certificate for another key', (_r, h) => {
      const other = h.ca.issueSvid(ECHO);
      return [other.certChain[0]?.toString() ?? '', h.rootPem];
    }, /KEY_MISMATCH/],
    ['garbage', () => ['junk', 'more junk'], /BAD_PEM/],
    ['an empty chain', () => [], /CHAIN_EMPTY/],
  ])('refuses %s', async (_name, answer, reason) => {
    const h = await liar(answer).start();
    try {
      const err = await failure(new CaClient({ address: h.address, rootPem: h.rootPem, token: 't' }).fetchSvid(ECHO));
      expect(err.code).toBe('CA_GRPC_ERR_BAD_RESPONSE');
      expect(err.message).toMatch(reason);
    } finally {
      h.close();
    }
  });

  it('refuses a chain from a root other than the configured trust anchors', async () => {
    const err = await failure(client({ trustAnchors: createTestCa().rootBundlePem }).fetchSvid(ECHO));
    expect(err.message).toMatch(/CHAIN_UNTRUSTED/);
  });
});

describe('toCertificateRequest', () => {
  it('reads csr, TTL and a string ImpersonatedIdentity; ignores a non-string one', () => {
    const base = { csr: 'pem', validityDuration: 60n };
    expect(toCertificateRequest(create(IstioCertificateRequestSchema, { ...base, metadata: { ImpersonatedIdentity: ECHO } }))).toEqual({
      csr: 'pem',
      validitySeconds: 60,
      impersonatedIdentity: ECHO,
    });
    expect(toCertificateRequest(create(IstioCertificateRequestSchema, { ...base, metadata: { ImpersonatedIdentity: 7 } }))).toEqual({ csr: 'pem', validitySeconds: 60 });
    expect(toCertificateRequest(create(IstioCertificateRequestSchema, { csr: '', validityDuration: 2n ** 62n })).validitySeconds).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('maps statuses to gRPC codes', () => {
    expect(status.PERMISSION_DENIED).toBe(7);
  });
});

