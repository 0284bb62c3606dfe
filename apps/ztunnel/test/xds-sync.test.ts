// One xDS response → one MeshState write: accepted changes land, bad resources come back as NACK reasons, removals
// apply; /config_dump renders the result as plain JSON lists.
import { describe, expect, it } from 'vitest';
import { MeshState } from '@ambient/mesh-state';
import { nameOf, service, workload } from '@ambient/mesh-state/testing';
import { addressType, authorizationType, type Batch } from '@ambient/xds-client';
import { readZtunnelConfig } from '../src/config.js';
import { configDump } from '../src/config-dump.js';
import { applyBatch } from '../src/xds-sync.js';
import { policy } from './plan/mesh.js';
import { SLEEP_ID } from './support/identities.js';

const change = (value: unknown, name: string) => ({ name, version: '1', value, aliases: [] });

describe('applyBatch', () => {
  it('applies Addresses and returns the rejected ones for the NACK', () => {
    const state = new MeshState();
    const good = workload('sleep', '127.0.10.1', { serviceAccount: 'sleep' });
    const bad = workload('broken', undefined, { addresses: [new Uint8Array([127, 0, 1])] });
    const batch: Batch = { typeUrl: addressType.typeUrl, changed: [change(good, nameOf(good)), change(bad, nameOf(bad))], removed: [] };
    const rejected = applyBatch(state, batch);
    expect([...rejected.keys()]).toEqual([nameOf(bad)]);
    expect(rejected.get(nameOf(bad))).toMatch(/address/i);
    expect(state.findWorkloadByAddress({ network: '', ip: '127.0.10.1' })?.identity).toBe(SLEEP_ID);
    expect(applyBatch(state, { typeUrl: addressType.typeUrl, changed: [], removed: [nameOf(good)] }).size).toBe(0);
    expect(state.findWorkloadByUid(nameOf(good))).toBeUndefined();
  });

  it('applies Authorizations and refuses a type ztunnel does not use', () => {
    const state = new MeshState();
    const allow = policy('allow-sleep', 'ALLOW', { principals: ['cluster.local/ns/default/sa/sleep'] });
    expect(applyBatch(state, { typeUrl: authorizationType.typeUrl, changed: [change(allow, 'default/allow-sleep')], removed: [] }).size).toBe(0);
    expect(state.policies.all().map((p) => p.key)).toEqual(['default/allow-sleep']);
    const other = applyBatch(state, { typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', changed: [change({}, 'c1')], removed: [] });
    expect(other.get('c1')).toBe('ztunnel does not use type.googleapis.com/envoy.config.cluster.v3.Cluster');
  });
});

describe('configDump', () => {
  it('lists workloads, services, policies and certificates as plain JSON', () => {
    const state = new MeshState();
    const echo = workload('echo', '127.0.20.1', { serviceAccount: 'echo', services: { 'default/echo.default.svc.cluster.local': { ports: [{ servicePort: 80, targetPort: 8080 }] } } });
    const svc = service('echo', '127.96.0.10');
    state.applyAddresses(new Map([[nameOf(echo), echo], [nameOf(svc), svc]]), []);
    state.applyAuthorizations(new Map([['default/p', policy('p', 'DENY', { ports: [9] })]]), []);
    const config = readZtunnelConfig({ '--node': 'node-b', '--token-file': 't', '--root-cert': 'r' });
    const dump = JSON.parse(JSON.stringify(configDump(state, [], config))) as Record<string, Record<string, unknown>[]>;
    expect(dump['workloads']?.[0]).toMatchObject({ uid: 'Kubernetes//Pod/default/echo', name: 'echo', namespace: 'default', addresses: ['127.0.20.1'], services: { 'default/echo.default.svc.cluster.local': { '80': 8080 } } });
    expect(dump['services']?.[0]).toMatchObject({ key: 'default/echo.default.svc.cluster.local', vips: ['/127.96.0.10'], ports: { '80': 8080 } });
    expect(dump['policies']?.[0]).toMatchObject({ key: 'default/p', action: 'DENY' });
    expect(dump['certificates']).toEqual([]);
    expect(dump['config']).toMatchObject({ node: 'node-b' });
  });
});
