// LocalWorkloads follows the state: listeners for each workload on this node once its certificate is issued, none
// for a workload that moved to another node, new listeners when its address changes; readiness says what waits.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { meshOf, nameOf, workload } from '@ambient/mesh-state/testing';
import { createTestCa } from '@ambient/spiffe/testing';
import { createMetricsEndpoint } from '@ambient/telemetry';
import type { Svid } from '@ambient/spiffe';
import { WorkloadCertificates } from '../src/certificates.js';
import { readZtunnelConfig } from '../src/config.js';
import { InboundTracker } from '../src/inbound-tracker.js';
import { LocalWorkloads } from '../src/local-workloads.js';
import { SLEEP_ID } from './support/identities.js';

const PORTS = { hbone: 45008, socks: 45080, plaintext: 45006 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup(fetch?: (identity: string) => Promise<Svid>) {
  const ca = createTestCa();
  const state = meshOf(workload('sleep', '127.0.13.1', { serviceAccount: 'sleep', node: 'node-a' }), workload('other', '127.0.13.9', { node: 'node-b' }));
  const config = readZtunnelConfig({
    '--node': 'node-a', '--token-file': 'unused', '--root-cert': 'unused',
    '--hbone-port': String(PORTS.hbone), '--socks5-port': String(PORTS.socks), '--inbound-plaintext-port': String(PORTS.plaintext), '--drain-deadline-ms': '0',
  });
  const log = createLogger({ name: 'test', level: 'silent' });
  const illegalPorts = Object.values(PORTS);
  const inbound = new InboundTracker(state, illegalPorts, log);
  const certificates = new WorkloadCertificates(fetch ?? ((identity) => Promise.resolve(ca.issueSvid(identity))));
  const workloads = new LocalWorkloads({ config, state, metrics: createMetricsEndpoint().tcp, log, accessLog: log, network: '', illegalPorts, inbound }, certificates);
  cleanup.push(() => certificates.close(), () => inbound.close(), () => workloads.close(0));
  return { state, certificates, workloads };
}

const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('LocalWorkloads', () => {
  it('serves only the workloads on its node, once their certificates are issued', async () => {
    const { workloads, certificates } = setup();
    await until('sleep to be served', () => workloads.pending().length === 0 && workloads.proxies().length === 1);
    expect(workloads.proxies().map((p) => p.address)).toEqual(['127.0.13.1']);
    expect(await accepts('127.0.13.1', PORTS.socks)).toBe(true);
    expect(await accepts('127.0.13.9', PORTS.socks)).toBe(false);
    expect(certificates.dump().map((c) => [c.identity, c.state])).toEqual([[SLEEP_ID, 'Available']]);
  });

  it('closes the listeners of a workload that moved away and follows an address change', async () => {
    const { state, workloads, certificates } = setup();
    await until('sleep to be served', () => workloads.proxies().length === 1);
    const moved = workload('sleep', '127.0.13.1', { serviceAccount: 'sleep', node: 'node-b' });
    state.applyAddresses(new Map([[nameOf(moved), moved]]), []);
    expect(workloads.proxies()).toEqual([]);
    await until('the listener to close', async () => !(await accepts('127.0.13.1', PORTS.socks)));
    expect(certificates.dump()).toEqual([]);
    const back = workload('sleep', '127.0.13.2', { serviceAccount: 'sleep', node: 'node-a' });
    state.applyAddresses(new Map([[nameOf(back), back]]), []);
    await until('the new address to be served', () => accepts('127.0.13.2', PORTS.socks));
    expect(workloads.proxies().map((p) => p.address)).toEqual(['127.0.13.2']);
  });

  it('reports a workload whose certificate is not issued yet as pending', async () => {
    let release!: () => void;
    const ca = createTestCa();
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { workloads } = setup(async (identity) => {
      await gate;
      return ca.issueSvid(identity);
    });
    expect(workloads.pending()).toEqual(['default/sleep: waiting for its certificate']);
    release();
    await until('sleep to be served', () => workloads.pending().length === 0);
  });
});
