// The one gRPC port (15012): binding it and shutting it down (services and TLS are the caller's).
import { isIP } from 'node:net';
import type { Server, ServerCredentials } from '@grpc/grpc-js';
import type { HostPort } from '@ambient/core';
import { AmbientdError } from './errors.js';

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface GrpcListener {
  readonly server: Server;
  /** `host:port` actually bound (port 0 resolved). */
  readonly address: string;
}

/** Binds a grpc-js server whose services the caller added already, with TLS from `credentials`. */
export async function listenGrpc(server: Server, credentials: ServerCredentials, listen: HostPort): Promise<GrpcListener> {
  const target = formatHostPort(listen.host, listen.port);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(target, credentials, (err, bound) =>
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
