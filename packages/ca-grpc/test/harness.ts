// A mesh CA served over real gRPC + TLS on a loopback port, with the token key and trust settings tests need.
import { createPublicKey } from 'node:crypto';
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { istioCertificateService } from '@ambient/grpc';
import {
  anyAuthenticator,
  createCaService,
  createToken,
  generateTokenKey,
  svidAuthenticator,
  tokenAuthenticator,
  type CertificateAuthority,
} from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import { certificateServiceHandlers, requestClientCertCredentials } from '../src/index.js';

export const ECHO = 'spiffe://cluster.local/ns/default/sa/echo';
export const ZTUNNEL = 'spiffe://cluster.local/ns/istio-system/sa/ztunnel';

export interface Harness {
  readonly ca: CertificateAuthority;
  readonly address: string;
  readonly rootPem: string;
  token(namespace: string, serviceAccount: string, node?: string): string;
  close(): void;
}

/** Starts a CA whose node-a runs ECHO; `handlers` replaces the real service (to fake a misbehaving CA). */
export async function startCa(handlers?: UntypedServiceImplementation): Promise<Harness> {
  const ca = createTestCa();
  const tokenKey = generateTokenKey();
  const service = createCaService({
    ca,
    authenticate: anyAuthenticator(
      tokenAuthenticator({ key: createPublicKey(tokenKey), trustDomain: 'cluster.local' }),
      svidAuthenticator({ trustDomain: 'cluster.local', trustBundle: ca.roots }),
    ),
    trustedNodeAccounts: ['istio-system/ztunnel'],
    hasWorkloadOnNode: (identity, node) => node === 'node-a' && identity === ECHO,
  });
  const serving = ca.issueServingCertificate({ dnsNames: ['localhost', 'istiod.istio-system.svc'], ipAddresses: ['127.0.0.1'] });
  const server = new Server();
  server.addService(istioCertificateService, handlers ?? certificateServiceHandlers(service));
  const credentials = requestClientCertCredentials({ certChainPem: serving.certChainPem, keyPem: serving.keyPem, clientRootPem: ca.rootBundlePem });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    ca,
    address: `127.0.0.1:${port}`,
    rootPem: ca.rootBundlePem,
    token: (namespace, serviceAccount, node) => createToken(tokenKey, { namespace, serviceAccount, ...(node ? { node } : {}) }),
    close: () => server.forceShutdown(),
  };
}
