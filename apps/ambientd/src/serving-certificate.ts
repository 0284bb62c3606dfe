// The gRPC port's certificate from the mesh CA, re-issued at half-life and handed to grpc-js in place, so
// ambientd never serves an expired certificate however long it runs.
import { isIP } from 'node:net';
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { HostPort } from '@ambient/core';
import type { CertificateAuthority } from '@ambient/spiffe';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/** Serving certificates live 30 days by default and are replaced after 15. */
export const SERVING_TTL_SECONDS = 30 * 24 * 3600;
/** Node's timers overflow past 2^31-1 ms (24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The names clients dial ambientd by: localhost, istiod's in-cluster name, and the listen address. */
export function servingNames(listen: HostPort): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', 'istiod.istio-system.svc'];
  const unspecified = listen.host === '0.0.0.0' || listen.host === '::';
  if (unspecified) return { dnsNames, ipAddresses: ['127.0.0.1'] };
  if (isIP(listen.host) !== 0) return { dnsNames, ipAddresses: [listen.host] };
  return { dnsNames: dnsNames.includes(listen.host) ? dnsNames : [...dnsNames, listen.host], ipAddresses: [] };
}

/** A grpc-js certificate provider whose identity is re-issued by the mesh CA at half-life. */
export class ServingCertificate implements experimental.CertificateProvider {
  readonly #ca: CertificateAuthority;
  readonly #listen: HostPort;
  readonly #ttlSeconds: number;
  readonly #identityListeners = new Set<IdentityListener>();
  #current: experimental.IdentityCertificateUpdate;
  #renewAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ca: CertificateAuthority, listen: HostPort, ttlSeconds = SERVING_TTL_SECONDS) {
    this.#ca = ca;
    this.#listen = listen;
    this.#ttlSeconds = ttlSeconds;
    this.#current = this.#issue();
  }

  /**
   * TLS credentials that follow this provider. The provider serves both roles (grpc-js 1.14 swaps the two
   * arguments); as CA it offers the mesh root, so a client certificate is asked for but never required.
   */
  credentials(): ServerCredentials {
    return experimental.createCertificateProviderServerCredentials(this, this, false);
  }

  /** The certificate chain served now (PEM). */
  get certChainPem(): string {
    return this.#current.certificate.toString();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  addCaCertificateListener(listener: CaListener): void {
    // Updates must arrive after this returns: grpc-js registers its own watcher only afterwards.
    queueMicrotask(() => listener({ caCertificate: Buffer.from(this.#ca.rootBundlePem) }));
  }

  removeCaCertificateListener(): void {
    // The root never changes while ambientd runs (a new root needs a new state directory and a restart).
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => this.#identityListeners.has(listener) && listener(this.#current));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  #issue(): experimental.IdentityCertificateUpdate {
    const cert = this.#ca.issueServingCertificate({ ...servingNames(this.#listen), ttlSeconds: this.#ttlSeconds });
    const lifetimeMs = cert.notAfter.getTime() - Date.now();
    this.#renewAt = Date.now() + lifetimeMs / 2;
    this.#schedule();
    return { certificate: Buffer.from(cert.certChainPem), privateKey: Buffer.from(cert.keyPem) };
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.min(this.#renewAt - Date.now(), MAX_TIMER_MS)));
    this.#timer.unref();
  }

  #tick(): void {
    if (Date.now() < this.#renewAt) return this.#schedule();
    this.#current = this.#issue();
    for (const listener of this.#identityListeners) listener(this.#current);
  }
}
