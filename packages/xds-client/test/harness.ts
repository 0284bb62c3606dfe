// Test plumbing: an openssl-made serving certificate, gRPC servers on port 0, and small waiting helpers.
import { vi } from 'vitest';
import { Server, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '@ambient/core';
import { serverCredentials } from '@ambient/grpc';
import { XdsServer, type XdsServerOptions } from '@ambient/xds-server';

/** Tests assert on behaviour, not on log lines. */
export const quiet = createLogger({ name: 'test', level: 'silent' });

export interface TestTls {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly rootPem: string;
  readonly keyPem: string;
  cleanup(): void;
}

/** A self-signed P-256 serving certificate, by default for 127.0.0.1 and istiod's service name. */
export function makeTls(san = 'DNS:istiod.istio-system.svc,IP:127.0.0.1'): TestTls {
  const dir = mkdtempSync(join(tmpdir(), 'xds-test-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=istiod',
    '-addext', `subjectAltName=${san}`, '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return {
    dir, certPath, keyPath,
    rootPem: readFileSync(certPath, 'utf8'),
    keyPem: readFileSync(keyPath, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Running {
  readonly address: string;
  readonly port: number;
  stop(): void;
}

/** Starts a gRPC server over TLS on 127.0.0.1 (port 0 unless given) with the services `setup` adds. */
export async function startGrpc(tls: TestTls, setup: (server: Server) => void, port = 0): Promise<Running> {
  const server = new Server();
  setup(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, serverCredentials({ certChainPem: tls.rootPem, keyPem: tls.keyPem }), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${bound}`, port: bound, stop: () => server.forceShutdown() };
}

/** Our server; `seed` fills it before it listens, so a reconnecting client never sees it empty. */
export async function startXds<I>(tls: TestTls, options: XdsServerOptions<I> = {}, port = 0, seed?: (xds: XdsServer<I>) => void): Promise<Running & { xds: XdsServer<I> }> {
  const xds = new XdsServer<I>({ debounceMs: 1, logger: quiet, ...options });
  seed?.(xds);
  const running = await startGrpc(tls, (s) => xds.register(s), port);
  return { ...running, xds, stop: () => (xds.close(), running.stop()) };
}

/** A server with one hand-written ADS handler, for behaviour our own server never shows. */
export function scripted(definition: ServiceDefinition, handler: UntypedServiceImplementation[string]) {
  return (server: Server) => server.addService(definition, { deltaAggregatedResources: handler });
}

/** Retries `check` until it stops throwing (vitest's waitFor), failing with its last error after `timeout` ms. */
export const eventually = <T>(check: () => T, timeout = 5_000): Promise<T> => vi.waitFor(check, { timeout, interval: 10 });

export interface PythonServer {
  readonly port: number;
  /** Every JSON line it printed after its port, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Closes its stdin (its signal to stop) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

const PROTO_DIR = join(import.meta.dirname, '../../api/proto');

/** Starts one of test/*.py (Python grpcio, arguments PROTO_DIR CERT KEY); resolves once it prints {"port": N}. */
export function startPython(script: string, tls: TestTls): Promise<PythonServer> {
  const py = spawn('/usr/bin/python3', [join(import.meta.dirname, script), PROTO_DIR, tls.certPath, tls.keyPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  py.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => py.on('exit', resolve));
  const lines: Record<string, unknown>[] = [];
  const stop = () => {
    py.stdin.end();
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      py.kill();
      reject(new Error(`${script} did not print its port within 15 s: ${stderr}`));
    }, 15_000);
    void exited.then((code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
    createInterface({ input: py.stdout }).on('line', (l) => {
      const msg = JSON.parse(l) as Record<string, unknown>;
      if (typeof msg['port'] !== 'number') {
        lines.push(msg);
        return;
      }
      clearTimeout(timer);
      resolve({ port: msg['port'], lines, stop });
    });
  });
}
