// The capture listeners find the workload a connection belongs to by address in one map lookup: a workload is in
// it from the moment LocalWorkloads serves it until it closes, follows an address change and a move to another
// node, and a closing predecessor never removes its successor.
import { afterEach, describe, expect, it } from 'vitest';
import { meshOf, nameOf, workload } from '@ambient/mesh-state/testing';
import { createTestCa } from '@ambient/spiffe/testing';
import { WorkloadCertificates } from '../../src/certificates.js';
import { CapturedWorkload } from '../../src/capture/captured-workload.js';
import { ServedByAddress } from '../../src/capture/served-by-address.js';
import { LocalWorkloads } from '../../src/local-workloads.js';
import { SLEEP_ID } from '../support/identities.js';
import { testContext } from '../support/in-process.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup() {
  const ca = createTestCa();
  const state = meshOf(workload('sleep', '10.1.0.2', { serviceAccount: 'sleep', node: 'node-a' }), workload('echo', '10.2.0.2', { node: 'node-b' }));
  const { ctx } = testContext(state, '', { hbone: 45108, socks: 45180, plaintext: 45106 }, 'node-a');
  const certificates = new WorkloadCertificates((identity) => Promise.resolve(ca.issueSvid(identity)));
  const served = new ServedByAddress<CapturedWorkload>();
  const workloads = new LocalWorkloads(ctx, certificates, CapturedWorkload.starter(served));
  cleanup.push(() => certificates.close(), () => ctx.inbound.close(), () => workloads.close(0));
  return { ctx, state, served, workloads, svid: () => certificates.fetch(SLEEP_ID) };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('CapturedWorkload registry (served by address)', () => {
  it('holds the workloads served on this node, and follows a move away and an address change', async () => {
    const { state, served, workloads } = setup();
    await until('sleep to be served', () => served.size === 1);
    expect([...served.keys()]).toEqual(['10.1.0.2']);
    expect(served.get('10.1.0.2')).toBe(workloads.proxies()[0]);
    const moved = workload('sleep', '10.1.0.2', { serviceAccount: 'sleep', node: 'node-b' });
    state.applyAddresses(new Map([[nameOf(moved), moved]]), []);
    // Gone at once, before its tunnels drain: no new connection is handed to it.
    expect(served.size).toBe(0);
    const back = workload('sleep', '10.1.0.3', { serviceAccount: 'sleep', node: 'node-a' });
    state.applyAddresses(new Map([[nameOf(back), back]]), []);
    await until('the new address to be served', () => served.has('10.1.0.3'));
    expect([...served.keys()]).toEqual(['10.1.0.3']);
  });

  it('keeps a successor on the same address when the predecessor closes after it started', async () => {
    const { ctx, served, svid } = setup();
    await until('sleep to be served', () => served.size === 1);
    const record = ctx.state.findWorkloadsOnNode('node-a')[0];
    if (!record) throw new Error('the mesh has no workload on node-a');
    const first = await CapturedWorkload.starter(served)(ctx, record, '10.9.0.1', await svid());
    const second = await CapturedWorkload.starter(served)(ctx, record, '10.9.0.1', await svid());
    await first.close(0);
    expect(served.get('10.9.0.1')).toBe(second);
    await second.close(0);
    expect(served.has('10.9.0.1')).toBe(false);
  });
});
