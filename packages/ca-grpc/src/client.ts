// The node proxy's side of Istio's CA API: CSR → CreateCertificate (impersonating, with a bearer token) → a
// checked SVID. `fetchSvid` plugs straight into @ambient/spiffe's SecretManager.
import { status, type ServiceError } from '@grpc/grpc-js';
import { callMetadata, channelCredentials, channelOptions, IstioCertificateClient, type ChannelTls } from '@ambient/grpc';
import { createCsr, generateKeyPair, SpiffeError, svidFromCertChain, toCertificates, type Svid } from '@ambient/spiffe';
import type { X509Certificate } from 'node:crypto';
import { CaGrpcError } from './errors.js';
import { IMPERSONATED_IDENTITY_KEY } from './server.js';

export interface CaClientOptions {
  /** `host:port` of the CA (no scheme). */
  readonly address: string;
  /** Trust anchor for the CA's serving certificate. */
  readonly rootPem: string;
  /** Name to check the serving certificate against when `address` is an IP without that SAN. */
  readonly serverName?: string;
  /** Sent as `authorization: Bearer <token>`; a function is asked on every call (token files rotate). */
  readonly token?: string | (() => string | Promise<string>);
  /** Authenticate with an SVID instead of (or as well as) a token. */
  readonly clientCertificate?: { readonly keyPem: string; readonly certChainPem: string };
  readonly clusterId?: string;
  /** More headers on every call (Istio's CA_HEADER_*), checked with @ambient/grpc's headerProblem. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Ask on behalf of the identity (ztunnel's shared mode). Default true. */
  readonly impersonate?: boolean;
  /** Requested lifetime; default 24 h. */
  readonly ttlSeconds?: number;
  /** Per-call deadline; default 10 s. */
  readonly timeoutMs?: number;
  /** When set, issued chains must end at one of these roots (PEM or certificates). */
  readonly trustAnchors?: string | readonly X509Certificate[];
}

function channelTls(options: CaClientOptions): ChannelTls {
  return {
    rootPem: options.rootPem,
    ...(options.serverName ? { serverName: options.serverName } : {}),
    ...(options.clientCertificate ? { client: options.clientCertificate } : {}),
  };
}

export class CaClient {
  readonly #options: CaClientOptions;
  readonly #client: IstioCertificateClient;
  readonly #anchors?: readonly X509Certificate[];

  constructor(options: CaClientOptions) {
    this.#options = options;
    this.#anchors = options.trustAnchors === undefined ? undefined : toCertificates(options.trustAnchors);
    const tls = channelTls(options);
    this.#client = new IstioCertificateClient(options.address, channelCredentials(tls, options.address), channelOptions(tls, options.address));
  }

  /** A fresh P-256 key and its certificate for `identity`, checked: chain verifies, SAN matches, key matches. */
  readonly fetchSvid = async (identity: string): Promise<Svid> => {
    const { privateKey } = generateKeyPair();
    const csr = createCsr(identity, privateKey);
    const token = typeof this.#options.token === 'function' ? await this.#options.token() : this.#options.token;
    const certChain = await this.#call(identity, csr, token);
    try {
      return svidFromCertChain(privateKey, certChain, { identity, ...(this.#anchors ? { trustAnchors: this.#anchors } : {}) });
    } catch (err) {
      if (!(err instanceof SpiffeError)) throw err;
      throw new CaGrpcError('CA_GRPC_ERR_BAD_RESPONSE', `the CA's answer for ${identity} is unusable (${err.code}): ${err.message}`, { cause: err });
    }
  };

  close(): void {
    this.#client.close();
  }

  #call(identity: string, csr: string, token: string | undefined): Promise<string[]> {
    const impersonate = this.#options.impersonate ?? true;
    const request = {
      csr,
      validityDuration: BigInt(this.#options.ttlSeconds ?? 86_400),
      ...(impersonate ? { metadata: { [IMPERSONATED_IDENTITY_KEY]: identity } } : {}),
    };
    const deadline = Date.now() + (this.#options.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      this.#client.createCertificate(request, callMetadata(token, this.#options.clusterId, this.#options.headers), { deadline }, (err: ServiceError | null, response) => {
        if (err || !response) {
          const name = status[err?.code ?? status.UNKNOWN] ?? 'UNKNOWN';
          reject(new CaGrpcError('CA_GRPC_ERR_CALL', `CreateCertificate for ${identity} failed with ${name}: ${err?.details ?? 'no response'}`, { cause: err, grpcStatus: name }));
          return;
        }
        resolve(response.certChain);
      });
    });
  }
}
