// Plain HTTP to a component's admin or debug port (ztunnel 15000, ambientd 15014), with failures turned into one
// sentence that names the component and the address. A component of an `up --netns` mesh listens on the loopback
// of its own network namespace: that request is made from inside it (requestInNamespace).
import http from 'node:http';
import { parseHostPort } from '@ambient/core';
import { AmbientctlError, usageError } from '../errors.js';
import { requestInNamespace } from './http-in-netns.js';

const TIMEOUT_MS = 5_000;
const REASONS: Record<string, string> = { ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable', ENOTFOUND: 'unknown host' };

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export type Method = 'GET' | 'POST';

/** Where a component answers: HOST:PORT, seen from the network namespace `netns` when set. */
export interface Endpoint {
  readonly address: string;
  readonly netns?: string;
}

/**
 * Sends one request; rejects only when nothing answered (refused, timed out), naming `what` and `address`.
 * node:http rather than fetch: fetch refuses some ports outright (the WHATWG "bad ports", 6000 among them).
 */
export function request({ address, netns }: Endpoint, path: string, what: string, method: Method = 'GET'): Promise<HttpAnswer> {
  const target = parseHostPort(address);
  if (!target) return Promise.reject(usageError(`the address of ${what} must be HOST:PORT, not "${address}"`));
  if (netns !== undefined) return requestInNamespace(netns, target, path, what, method, TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const fail = (reason: string, cause?: unknown): void =>
      reject(new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `cannot reach ${what} at ${address} (${reason}): is it running?`, { cause }));
    const req = http.request({ host: target.host, port: target.port, path, method, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => fail(err.message, err));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => fail(REASONS[err.code ?? ''] ?? err.message, err));
    req.end();
  });
}

/** GET that must answer 200; the body otherwise becomes the error. */
export async function getOk(endpoint: Endpoint, path: string, what: string): Promise<string> {
  const answer = await request(endpoint, path, what);
  if (answer.status !== 200) {
    throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `${what} at ${endpoint.address} answered ${answer.status} to GET ${path}: ${answer.body.trim() || '(empty body)'}`);
  }
  return answer.body;
}
