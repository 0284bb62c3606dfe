// The sample applications `up` runs as workloads, each in its own process through the hidden
// `ambientctl sample-app KIND` command. http-echo answers every request with its workload's name and the caller's
// address, so a request through the mesh shows who arrived where.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AmbientctlError } from '../errors.js';
import { splitHostPort } from './probes.js';

export interface RunningApp {
  readonly address: string;
  close(): Promise<void>;
}

/** Starts the http-echo app for `workload` ('ns/name') on `listen` (HOST:PORT). */
export function startHttpEcho(workload: string, listen: string): Promise<RunningApp> {
  const server = http.createServer((req, res) => {
    const body = `hello from ${workload}: you are ${req.socket.remoteAddress ?? 'unknown'}, you asked for ${req.method ?? 'GET'} ${req.url ?? '/'}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 1_000;
  const { host, port } = splitHostPort(listen);
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new AmbientctlError('AMBIENTCTL_ERR_UP', `${workload}: cannot listen on ${listen}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        address: `${bound.address}:${bound.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
