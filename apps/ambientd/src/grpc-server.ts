// The one gRPC port (15012): delta ADS and Istio's CA service over TLS, with a serving certificate from the mesh CA.
import { isIP } from 'node:net';
import { Server } from '@grpc/grpc-js';
import { serverCredentials } from '@ambient/grpc';
import type { HostPort } from '@ambient/core';
import type { CertificateAuthority } from '@ambient/spiffe';
import { AmbientdError } from './errors.js';

/** The serving certificate lives this long (90 days, the CA's maximum); each start issues a fresh one. */
const SERVING_TTL_SECONDS = 90 * 24 * 3600;

/** The names clients dial ambientd by: localhost, istiod's in-cluster name, and the listen address. */
export function servingNames(listen: HostPort): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', 'istiod.istio-system.svc'];
  const unspecified = listen.host === '0.0.0.0' || listen.host === '::';
  if (unspecified) return { dnsNames, ipAddresses: ['127.0.0.1'] };
  if (isIP(listen.host) !== 0) return { dnsNames, ipAddresses: [listen.host] };
  return { dnsNames: dnsNames.includes(listen.host) ? dnsNames : [...dnsNames, listen.host], ipAddresses: [] };
}

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface GrpcListener {
  readonly server: Server;
  /** `host:port` actually bound (port 0 resolved). */
  readonly address: string;
}

/** Binds a grpc-js server whose services the caller added already. */
export async function listenGrpc(server: Server, ca: CertificateAuthority, listen: HostPort): Promise<GrpcListener> {
  const cert = ca.issueServingCertificate({ ...servingNames(listen), ttlSeconds: SERVING_TTL_SECONDS });
  const target = formatHostPort(listen.host, listen.port);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(target, serverCredentials({ certChainPem: cert.certChainPem, keyPem: cert.keyPem }), (err, bound) =>
      err ? reject(new AmbientdError('AMBIENTD_ERR_LISTEN', `cannot listen on --grpc-listen ${target}: ${err.message}`, { cause: err })) : resolve(bound),
    ),
  );
  return { server, address: formatHostPort(listen.host, port) };
}

/** Stops accepting, lets calls finish for up to `graceMs`, then cuts what is left. */
export function shutdownGrpc(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
