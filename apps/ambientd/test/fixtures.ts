// Test plumbing: temporary config and state directories, ambientd in-process on port 0, and ztunnel-shaped clients.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ambient/core';
import { mintToken } from '@ambient/spiffe';
import { XdsClient, addressType, authorizationType, type BatchHandler } from '@ambient/xds-client';
import { readAmbientdConfig, startAmbientd, type Ambientd, type AmbientdOptions } from '../src/index.js';

export const quiet = createLogger({ name: 'test', level: 'silent' });

export const WORKLOAD_UID = (ns: string, name: string): string => `Kubernetes/networking.istio.io/WorkloadEntry/${ns}/${name}`;

/** The keys ambientd serves MESH's two workloads and its service under. */
export const ECHO_UID = WORKLOAD_UID('default', 'echo');
export const SLEEP_UID = WORKLOAD_UID('default', 'sleep');
export const ECHO_SERVICE = 'default/echo.default.mesh';

/** A small mesh: two workloads on two nodes, one service, one policy, each kind in its own file. */
export const MESH: Readonly<Record<string, string>> = {
  'namespaces.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels:
    istio.io/dataplane-mode: ambient
`,
  'workloads.yaml': `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: echo
  namespace: default
  labels:
    app: echo
    ambient.dev/node: node-a
spec:
  address: 127.0.10.1
  serviceAccount: echo
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: sleep
  namespace: default
  labels:
    app: sleep
    ambient.dev/node: node-b
spec:
  address: 127.0.10.2
  serviceAccount: sleep
`,
  'services.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: echo
  namespace: default
spec:
  hosts: [echo.default.mesh]
  addresses: [240.240.0.1]
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: STATIC
  workloadSelector:
    labels:
      app: echo
`,
  'policies.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-sleep
  namespace: default
spec:
  action: ALLOW
  selector:
    matchLabels:
      app: echo
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
`,
};

export interface TestMesh {
  readonly configDir: string;
  readonly stateDir: string;
  readonly daemon: Ambientd;
  write(file: string, text: string): void;
  remove(file: string): void;
  token(options: { namespace: string; serviceAccount: string; node?: string; ttlSeconds?: number }): Promise<string>;
  restart(): Promise<Ambientd>;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ambientd-${prefix}-`));
}

export function configFlags(configDir: string, stateDir: string): Record<string, string> {
  return { '--config': configDir, '--state-dir': stateDir, '--grpc-listen': '127.0.0.1:0', '--debug-listen': '127.0.0.1:0' };
}

/** ambientd over a fresh config directory holding `files` (MESH by default). */
export async function startMesh(files: Readonly<Record<string, string>> = MESH, options: AmbientdOptions = {}): Promise<TestMesh> {
  const configDir = tempDir('config');
  const stateDir = tempDir('state');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), text);
  const start = (): Promise<Ambientd> =>
    startAmbientd(readAmbientdConfig(configFlags(configDir, stateDir)), { logger: quiet, ...options });
  let daemon = await start();
  return {
    configDir,
    stateDir,
    get daemon() {
      return daemon;
    },
    write: (file, text) => writeFileSync(join(configDir, file), text),
    remove: (file) => rmSync(join(configDir, file)),
    token: (o) => mintToken({ stateDir, ...o }),
    restart: async () => {
      await daemon.close();
      daemon = await start();
      return daemon;
    },
    stop: async () => {
      await daemon.close();
      rmSync(configDir, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** What one test opened, closed after it (`afterEach(() => opened.close())`): its clients, then its mesh. */
export class OpenedPerTest {
  mesh: TestMesh | undefined;
  readonly clients: XdsClient[] = [];

  async close(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await this.mesh?.stop();
    this.mesh = undefined;
  }
}

/** A ztunnel as it connects to istiod: node token, the mesh root, both types wildcard. */
export function ztunnel(daemon: Pick<Ambientd, 'grpcAddress' | 'rootPem'>, token: string, node: string, onBatch?: BatchHandler): XdsClient {
  return new XdsClient({
    address: daemon.grpcAddress,
    tls: { rootPem: daemon.rootPem },
    token,
    node: { nodeName: node, podName: `ztunnel-${node}`, podNamespace: 'istio-system', clusterId: 'Kubernetes' },
    types: [{ type: addressType }, { type: authorizationType }],
    backoff: { initialMs: 10, maxMs: 100 },
    logger: quiet,
    ...(onBatch ? { onBatch } : {}),
  });
}

/** Polls until `check` returns a value other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function getText(daemon: Pick<Ambientd, 'debugAddress'>, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`http://${daemon.debugAddress}${path}`);
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}
