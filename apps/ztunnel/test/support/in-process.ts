// An in-process ztunnel data path for tests: a ProxyContext over a shared MeshState on one network, with JSON log
// lines collected for assertions, and workload proxies started on their own loopback addresses.
import { Writable } from 'node:stream';
import { createLogger } from '@ambient/core';
import type { MeshState } from '@ambient/mesh-state';
import { createMetricsEndpoint, type MetricsEndpoint } from '@ambient/telemetry';
import { readZtunnelConfig } from '../../src/config.js';
import type { ProxyContext } from '../../src/context.js';
import { InboundTracker } from '../../src/inbound-tracker.js';

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
