// An in-process ztunnel data path for tests: a ProxyContext over a shared MeshState on one network, with JSON log
// lines collected for assertions, and workload proxies started on their own loopback addresses.
import net from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@ambient/core';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import { createTestCa } from '@ambient/spiffe/testing';
import { createMetricsEndpoint, type MetricsEndpoint } from '@ambient/telemetry';
import { readZtunnelConfig } from '../../src/config.js';
import type { ProxyContext } from '../../src/context.js';
import { InboundTracker } from '../../src/inbound-tracker.js';
import { WorkloadProxy } from '../../src/workload-proxy.js';
import { ECHO_ID, SLEEP_ID } from './identities.js';

export interface TestPorts {
  readonly hbone: number;
  readonly socks: number;
  readonly plaintext: number;
}

export interface TestContext {
  readonly ctx: ProxyContext;
  /** Every log line so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** The endpoint whose TCP metrics the context counts in, for scraping. */
  readonly metrics: MetricsEndpoint;
}

/** `flags`: more ztunnel flags for the config (`{ '--pool-max-streams-per-connection': '1' }`). */
export function testContext(state: MeshState, network: string, ports: TestPorts, node = `node-${network || 'default'}`, flags: Readonly<Record<string, string>> = {}): TestContext {
  const lines: Record<string, unknown>[] = [];
  const config = readZtunnelConfig({
    '--node': node, '--token-file': 'unused', '--root-cert': 'unused',
    '--hbone-port': String(ports.hbone), '--socks5-port': String(ports.socks), '--inbound-plaintext-port': String(ports.plaintext),
    ...flags,
  });
  const log = createLogger({
    name: 'ztunnel',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  const illegalPorts = Object.values(ports);
  const metrics = createMetricsEndpoint();
  const ctx: ProxyContext = { config, state, metrics: metrics.tcp, log, accessLog: log, network, illegalPorts, inbound: new InboundTracker(state, illegalPorts, log) };
  return { ctx, lines, metrics };
}

/** An echo app (what a workload serves) listening on ip:port; resolves once it listens. */
export async function startEchoApp(ip: string, port: number): Promise<net.Server> {
  const app = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => app.listen(port, ip, resolve));
  return app;
}

export interface SleepAndEcho {
  readonly ctx: ProxyContext;
  readonly sleep: WorkloadProxy;
  readonly echo: WorkloadProxy;
  /** Closes both proxies, the inbound tracker and echo's app. */
  close(): Promise<void>;
}

/**
 * sleep (node-a) and echo (node-b) of namespace default, each a WorkloadProxy in-process on its own loopback address
 * with a certificate from a test CA, and echo's app on `appPort`; `flags` go to the config as in testContext.
 */
export async function startSleepAndEcho(ips: { readonly sleep: string; readonly echo: string }, ports: TestPorts, appPort: number, flags: Readonly<Record<string, string>> = {}): Promise<SleepAndEcho> {
  const ca = createTestCa();
  const state = meshOf(workload('sleep', ips.sleep, { serviceAccount: 'sleep', node: 'node-a' }), workload('echo', ips.echo, { serviceAccount: 'echo', node: 'node-b' }));
  const find = (name: string) => state.findWorkloadByUid(`Kubernetes//Pod/default/${name}`) as WorkloadRecord;
  const { ctx } = testContext(state, '', ports, 'node-a', flags);
  const app = await startEchoApp(ips.echo, appPort);
  const sleep = await WorkloadProxy.start(ctx, find('sleep'), ips.sleep, ca.issueSvid(SLEEP_ID));
  const echo = await WorkloadProxy.start(ctx, find('echo'), ips.echo, ca.issueSvid(ECHO_ID));
  const close = async (): Promise<void> => {
    await ctx.inbound.close();
    await echo.close(0);
    await sleep.close(0);
    await new Promise<void>((resolve) => app.close(() => resolve()));
  };
  return { ctx, sleep, echo, close };
}
