// The keys an on-demand ztunnel looks up before planning, one row per case, over a MeshState that holds only the
// source (and, in later rows, what earlier lookups brought).
import { describe, expect, it } from 'vitest';
import { batch, meshOf, service, waypointAt, waypointByHost, workload } from '@ambient/mesh-state/testing';
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

describe('outboundKeys: a service with weighted_waypoints (it replaces waypoint)', () => {
  const W1 = waypointByHost('default', 'wp-v1.default.svc.cluster.local');
  const W2 = waypointAt('10.0.9.2');
  const weighted = (...list: [ReturnType<typeof waypointAt>, number][]) => ({ weightedWaypoints: list.map(([destination, weight]) => ({ destination, weight })) });
  const keysFor = (...more: Parameters<typeof meshOf>) => {
    const state = meshOf(SLEEP, ...more);
    return { byVip: outboundKeys(state, sourceOf(state), { ip: '10.96.0.30', port: 80 }), byName: outboundKeys(state, sourceOf(state), { hostname: 'canary.default.svc.cluster.local', port: 80 }) };
  };

  it.each([
    ['every weighted waypoint that resolves to nothing, by name or address', [service('canary', '10.96.0.30', weighted([W1, 90], [W2, 10]))], ['default/wp-v1.default.svc.cluster.local', '/10.0.9.2']],
    ['a weight-0 waypoint too (the source is checked against all of them)', [service('canary', '10.96.0.30', weighted([W1, 100], [W2, 0]))], ['default/wp-v1.default.svc.cluster.local', '/10.0.9.2']],
    ['one key for a waypoint listed twice', [service('canary', '10.96.0.30', weighted([W2, 50], [W2, 50]))], ['/10.0.9.2']],
    ['only the ones still unknown', [service('canary', '10.96.0.30', weighted([W1, 50], [W2, 50])), workload('wp-v2', '10.0.9.2')], ['default/wp-v1.default.svc.cluster.local']],
    ['the weighted list, not Service.waypoint, when both are set', [service('canary', '10.96.0.30', { waypoint: waypointAt('10.0.9.9'), ...weighted([W2, 1]) })], ['/10.0.9.2']],
    ['Service.waypoint when the weighted list is empty', [service('canary', '10.96.0.30', { waypoint: waypointAt('10.0.9.9'), weightedWaypoints: [] })], ['/10.0.9.9']],
    ['nothing once all are known', [service('canary', '10.96.0.30', weighted([W1, 1], [W2, 1])), service('wp-v1', '10.96.0.99'), workload('wp-v1', '10.0.9.1', { services: { 'default/wp-v1.default.svc.cluster.local': { ports: [] } } }), workload('wp-v2', '10.0.9.2')], []],
  ])('%s', (_name, addresses, keys) => {
    const { byVip, byName } = keysFor(...addresses);
    expect(byVip).toEqual(keys);
    expect(byName).toEqual(keys);
  });

  it('a service whose weighted waypoint has no destination is rejected by the store, so nothing is asked for it', () => {
    const state = meshOf(SLEEP);
    const rejected = state.applyAddresses(batch(service('canary', '10.96.0.30', { weightedWaypoints: [{ weight: 1 }] })), []);
    expect(rejected.map((r) => r.name)).toEqual(['default/canary.default.svc.cluster.local']);
    expect(outboundKeys(state, sourceOf(state), { ip: '10.96.0.30', port: 80 })).toEqual(['/10.96.0.30']);
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
