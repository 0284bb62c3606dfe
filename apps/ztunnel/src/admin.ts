// ztunnel's HTTP endpoints: admin (/config_dump, /logging, /quitquitquit, /debug/pprof/profile and /heap) and readiness
// (/healthz/ready), each handler free of the servers so tests can drive them; `listenHttp` binds one.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostPort } from '@ambient/core';
import { PROFILE_FREQUENCY_HZ, PROFILE_SECONDS } from './cpu-profile.js';
import { ZtunnelError } from './errors.js';
import type { HeapProfiler } from './heap-profile.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface AdminHooks {
  configDump(): unknown;
  /** The levels in ztunnel's words: `info`, or `debug,access=info` when modules differ. */
  logLevel(): string;
  /** Applies `level` or `module:level,…`; returns what is wrong with it, or undefined once applied. */
  setLogLevel(spec: string): string | undefined;
  /** Every module back to the level the process started with. */
  resetLogLevel(): void;
  quit(): void;
  /** A CPU profile of the process (JSON text); rejects when one is already being taken. */
  cpuProfile(seconds: number, frequencyHz: number): Promise<string>;
  readonly heap: Pick<HeapProfiler, 'active' | 'activate' | 'deactivate' | 'profile'>;
}

export function adminHandler(hooks: AdminHooks): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/plain', 'ztunnel admin\n  /config_dump\n  /logging[?level=LEVEL | ?level=MODULE:LEVEL,… | ?reset]  (POST to change)\n  /quitquitquit  (POST)\n  /debug/pprof/profile[?seconds=1-300&frequency=1-1000]  (V8 .cpuprofile JSON)\n  /debug/pprof/heap/profiling?activate=true|false\n  /debug/pprof/heap  (V8 .heapprofile JSON, while activated)\n');
      case '/config_dump':
        if (req.method !== 'GET') return send(res, 405, 'text/plain', 'use GET\n');
        return send(res, 200, 'application/json', `${JSON.stringify(hooks.configDump(), null, 2)}\n`);
      case '/logging': {
        const level = url.searchParams.get('level');
        const reset = url.searchParams.has('reset');
        if (level === null && !reset) return send(res, 200, 'text/plain', `current log level is ${hooks.logLevel()}\n`);
        if (req.method !== 'POST' && req.method !== 'GET') return send(res, 405, 'text/plain', 'use POST\n');
        if (level !== null && reset) return send(res, 400, 'text/plain', 'give level or reset, not both\n');
        if (reset) hooks.resetLogLevel();
        const problem = level === null ? undefined : hooks.setLogLevel(level);
        if (problem !== undefined) return send(res, 400, 'text/plain', `${problem}\n`);
        return send(res, 200, 'text/plain', `current log level is ${hooks.logLevel()}\n`);
      }
      case '/debug/pprof/profile':
        return profile(hooks, url, req, res);
      case '/debug/pprof/heap/profiling':
        return heapProfiling(hooks, url, req, res);
      case '/debug/pprof/heap':
        return heapProfile(hooks, req, res);
      case '/quitquitquit':
        if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST\n');
        send(res, 200, 'text/plain', 'shutting down\n');
        return hooks.quit();
      default:
        return send(res, 404, 'text/plain', `no ${url.pathname}: see /\n`);
    }
  };
}

/** `activate=true` starts the sampling heap profiler, `activate=false` stops it; 400 for anything else. */
function heapProfiling(hooks: AdminHooks, url: URL, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'POST') return send(res, 405, 'text/plain', 'use GET\n');
  const activate = url.searchParams.get('activate');
  if (activate !== 'true' && activate !== 'false') return send(res, 400, 'text/plain', `activate must be true or false, got ${activate === null ? 'nothing' : `"${activate}"`}\n`);
  (activate === 'true' ? hooks.heap.activate() : hooks.heap.deactivate()).then(
    () => send(res, 200, 'text/plain', `heap profiling is ${hooks.heap.active ? 'active' : 'inactive'}\n`),
    (err: unknown) => send(res, 500, 'text/plain', `${(err as Error).message}\n`),
  );
}

/** The live sampled allocations while heap profiling is active; 409 when it is not. */
function heapProfile(hooks: AdminHooks, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'use GET\n');
  if (!hooks.heap.active) return send(res, 409, 'text/plain', 'heap profiling is not active: GET /debug/pprof/heap/profiling?activate=true first\n');
  hooks.heap.profile().then(
    (json) => attachment(res, json, 'ztunnel.heapprofile'),
    (err: unknown) => send(res, 409, 'text/plain', `${(err as Error).message}\n`),
  );
}

/** JSON sent as a file download. */
function attachment(res: ServerResponse, json: string, filename: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${filename}"`, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** `seconds` (default 10) and `frequency` in Hz (default 100), whole numbers in ztunnel's ranges; 400 otherwise. */
function profile(hooks: AdminHooks, url: URL, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'use GET\n');
  const seconds = wholeParam(url, 'seconds', PROFILE_SECONDS);
  const frequency = wholeParam(url, 'frequency', PROFILE_FREQUENCY_HZ);
  for (const value of [seconds, frequency]) if (typeof value === 'string') return send(res, 400, 'text/plain', `${value}\n`);
  hooks.cpuProfile(seconds as number, frequency as number).then(
    (json) => attachment(res, json, 'ztunnel.cpuprofile'),
    (err: unknown) => send(res, 409, 'text/plain', `${(err as Error).message}\n`),
  );
}

/** The parameter as a whole number in range, its fallback when absent, or what is wrong with it. */
function wholeParam(url: URL, name: string, range: { min: number; max: number; fallback: number }): number | string {
  const raw = url.searchParams.get(name);
  if (raw === null) return range.fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) return `${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`;
  return value;
}

export interface Readiness {
  /** Why the proxy is not ready yet; empty when ready. */
  pending(): string[];
}

export function readinessHandler(readiness: Readiness): Handler {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://ready').pathname;
    if (path !== '/healthz/ready') return send(res, 404, 'text/plain', `no ${path}: try /healthz/ready\n`);
    const pending = readiness.pending();
    if (pending.length === 0) return send(res, 200, 'text/plain', 'ready\n');
    return send(res, 503, 'text/plain', `not ready: ${pending.join('; ')}\n`);
  };
}

export interface HttpListener {
  readonly address: string;
  close(): Promise<void>;
}

export function listenHttp(handler: Handler, at: HostPort, what: string): Promise<HttpListener> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ZtunnelError('ZTUNNEL_ERR_LISTEN', `cannot listen for ${what} on ${at.host}:${at.port}: ${err.message}`, { cause: err })));
    server.listen(at.port, at.host, () => {
      const bound = server.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve({
        address: `${host}:${bound.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
