// The debug HTTP port (15014): readiness, Prometheus metrics, and JSON views of sync status and config.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostPort } from '@ambient/core';
import { AmbientdError } from './errors.js';
import { formatHostPort } from './grpc-server.js';

export interface DebugSources {
  /** undefined when ready, else why not. */
  readonly notReady: () => string | undefined;
  readonly metrics: (request: IncomingMessage, response: ServerResponse) => void;
  readonly syncz: () => unknown;
  readonly configz: () => unknown;
  readonly configErrors: () => unknown;
}

/** JSON that survives the bigints protobuf-es messages may carry. */
function sendJson(response: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  response.writeHead(200, { 'content-type': 'application/json' }).end(`${body}\n`);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

function route(sources: DebugSources, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'only GET is served here');
  const path = new URL(request.url ?? '/', 'http://debug').pathname;
  switch (path) {
    case '/ready': {
      const why = sources.notReady();
      return why === undefined ? sendText(response, 200, 'ready') : sendText(response, 503, `not ready: ${why}`);
    }
    case '/metrics':
      return sources.metrics(request, response);
    case '/debug/syncz':
      return sendJson(response, sources.syncz());
    case '/debug/configz':
      return sendJson(response, sources.configz());
    case '/debug/config-errors':
      return sendJson(response, sources.configErrors());
    default:
      return sendText(response, 404, 'not found: try /ready, /metrics, /debug/syncz, /debug/configz or /debug/config-errors');
  }
}

export interface DebugListener {
  readonly server: Server;
  readonly address: string;
}

export async function listenDebug(listen: HostPort, sources: DebugSources): Promise<DebugListener> {
  const server = createServer((request, response) => {
    try {
      route(sources, request, response);
    } catch (err) {
      if (!response.headersSent) sendText(response, 500, `debug handler failed: ${(err as Error).message}`);
      else response.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new AmbientdError('AMBIENTD_ERR_LISTEN', `cannot listen on --debug-listen ${formatHostPort(listen.host, listen.port)}: ${err.message}`, { cause: err })),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { server, address: formatHostPort(listen.host, port) };
}

export function closeDebug(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
