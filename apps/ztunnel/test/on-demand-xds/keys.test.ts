// The keys an on-demand ztunnel looks up before planning, one row per case, over a MeshState that holds only the
// source (and, in later rows, what earlier lookups brought).
import { describe, expect, it } from 'vitest';
import { meshOf, service, waypointAt, waypointByHost, workload } from '@ambient/mesh-state/testing';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { inboundKeys, outboundKeys } from '../../src/on-demand-xds/keys.js';
import type { InboundRequest } from '../../src/plan/inbound.js';

const SLEEP = workload('sleep', '10.0.0.1');
const sourceOf = (state: ReturnType<typeof meshOf>): WorkloadRecord => state.findWorkloadByUid('Kubernetes//Pod/default/sleep') as WorkloadRecord;

describe('outboundKeys', () => {
  it.each([
    ['an unknown IP: <network>/<ip>', { ip: '10.0.1.1', port: 80 }, ['/10.0.1.1']],
    ['an IP written non-canonically is asked in canonical form', { ip: '::ffff:10.0.1.1', port: 80 }, ['/10.0.1.1']],
    ['an IP literal given as a hostname', { hostname: '10.0.1.1', port: 80 }, ['/10.0.1.1']],
    ['an unknown hostname: <source namespace>/<hostname>', { hostname: 'echo.default.svc.cluster.local', port: 80 }, ['default/echo.default.svc.cluster.local']],
    ['a destination that is not an address asks nothing', { ip: 'not-an-ip', port: 80 }, []],
  ])('%s', (_name, destination, keys) => {
    const state = meshOf(SLEEP);
    expect(outboundKeys(state, sourceOf(state), destination)).toEqual(keys);
  });

  it('asks on the source network', () => {
    const state = meshOf(workload('sleep', '10.0.0.1', { network: 'west' }));
    expect(outboundKeys(state, sourceOf(state), { ip: '10.0.1.1', port: 80 })).toEqual(['west/10.0.1.1']);
  });

  it('asks nothing for a known workload or service without waypoint', () => {
    const state = meshOf(SLEEP, workload('echo', '10.0.1.1'), service('echo', '10.96.0.10'));
    expect(outboundKeys(state, sourceOf(state), { ip: '10.0.1.1', port: 80 })).toEqual([]);
    expect(outboundKeys(state, sourceOf(state), { ip: '10.96.0.10', port: 80 })).toEqual([]);
    expect(outboundKeys(state, sourceOf(state), { hostname: 'echo.default.svc.cluster.local', port: 80 })).toEqual([]);
  });

  it('asks for a waypoint that resolves to nothing yet: by address, or by its service name', () => {
    const state = meshOf(
      SLEEP,
      workload('guarded', '10.0.4.1', { waypoint: waypointAt('10.0.9.1') }),
      service('reviews', '10.96.0.20', { waypoint: waypointByHost('default', 'waypoint.default.svc.cluster.local') }),
    );
    expect(outboundKeys(state, sourceOf(state), { ip: '10.0.4.1', port: 80 })).toEqual(['/10.0.9.1']);
    expect(outboundKeys(state, sourceOf(state), { ip: '10.96.0.20', port: 80 })).toEqual(['default/waypoint.default.svc.cluster.local']);
    const withWaypoint = meshOf(SLEEP, workload('guarded', '10.0.4.1', { waypoint: waypointAt('10.0.9.1') }), workload('wp', '10.0.9.1'));
    expect(outboundKeys(withWaypoint, sourceOf(withWaypoint), { ip: '10.0.4.1', port: 80 })).toEqual([]);
  });
});

describe('inboundKeys', () => {
  const request = (over: Partial<InboundRequest> = {}): InboundRequest => ({
    dialledIp: '10.0.0.1', authority: { host: '10.0.0.1', port: 8080 }, srcIp: '10.0.5.5', network: '', hbone: true, ...over,
  });

  it.each([
    ['an unknown source', request(), ['/10.0.5.5']],
    ['a known source', request({ srcIp: '10.0.0.1' }), []],
    ['a source through a gateway from another network is not looked up', request({ forwardedNetwork: 'east' }), []],
    ['an HBONE target other than the dialled address (its waypoint may be us)', request({ srcIp: '10.0.0.1', authority: { host: '10.0.7.7', port: 80 } }), ['/10.0.7.7']],
    ['plaintext: the target is not looked up', request({ srcIp: '10.0.0.1', hbone: false, authority: { host: '10.0.7.7', port: 80 } }), []],
    ['a malformed source asks nothing', request({ srcIp: 'nope' }), []],
  ])('%s', (_name, req, keys) => {
    expect(inboundKeys(meshOf(SLEEP), req)).toEqual(keys);
  });
});
