// OnDemandXds over a scripted lookup: destination, then waypoint, each key asked once per connection; a failed or
// slow lookup is logged and planning goes on with what the state holds.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { MeshState, type WorkloadRecord } from '@ambient/mesh-state';
import { batch, waypointAt, workload } from '@ambient/mesh-state/testing';
import { OnDemandXds } from '../../src/on-demand-xds/fetcher.js';

const quiet = createLogger({ name: 'test', level: 'silent' });

function setup(answers: Record<string, ReturnType<typeof workload> | 'fail' | 'hang'>) {
  const state = new MeshState();
  state.applyAddresses(batch(workload('sleep', '10.0.0.1')), []);
  const asked: string[] = [];
  const fetcher = new OnDemandXds(async (key, timeoutMs) => {
    asked.push(key);
    const answer = answers[key];
    if (answer === 'fail') throw new Error('stream closed');
    if (answer === 'hang') return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs));
    if (answer) state.applyAddresses(batch(answer), []);
    return answer;
  }, quiet, 50);
  const source = state.findWorkloadByUid('Kubernetes//Pod/default/sleep') as WorkloadRecord;
  return { state, asked, fetcher, source };
}

describe('OnDemandXds', () => {
  it('looks up the destination, then its waypoint, then stops', async () => {
    const { state, asked, fetcher, source } = setup({
      '/10.0.4.1': workload('guarded', '10.0.4.1', { waypoint: waypointAt('10.0.9.1') }),
      '/10.0.9.1': workload('wp', '10.0.9.1'),
    });
    await fetcher.beforeOutbound(state, source, { ip: '10.0.4.1', port: 80 });
    expect(asked).toEqual(['/10.0.4.1', '/10.0.9.1']);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.9.1' })?.name).toBe('wp');
    await fetcher.beforeOutbound(state, source, { ip: '10.0.4.1', port: 80 });
    expect(asked).toHaveLength(2); // all known now: nothing asked
  });

  it('asks an unknown key once per connection and goes on without it', async () => {
    const { state, asked, fetcher, source } = setup({});
    await fetcher.beforeOutbound(state, source, { ip: '10.9.9.9', port: 80 });
    expect(asked).toEqual(['/10.9.9.9']);
  });

  it('goes on after a failed or unanswered lookup, within the bound', async () => {
    const { state, asked, fetcher, source } = setup({ '/10.0.1.1': 'fail', '/10.0.1.2': 'hang' });
    await fetcher.beforeOutbound(state, source, { ip: '10.0.1.1', port: 80 });
    const started = Date.now();
    await fetcher.beforeOutbound(state, source, { ip: '10.0.1.2', port: 80 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(asked).toEqual(['/10.0.1.1', '/10.0.1.2']);
  });

  it('looks up an inbound source', async () => {
    const { state, asked, fetcher } = setup({ '/10.0.5.5': workload('client', '10.0.5.5') });
    await fetcher.beforeInbound(state, { dialledIp: '10.0.0.1', authority: { host: '10.0.0.1', port: 80 }, srcIp: '10.0.5.5', network: '' });
    expect(asked).toEqual(['/10.0.5.5']);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.5.5' })?.name).toBe('client');
  });
});
