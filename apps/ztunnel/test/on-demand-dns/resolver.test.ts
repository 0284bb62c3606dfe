// OnDemandDns with scripted queries: families asked, answers shared and cached, every lookup counted, and failures
// that name the host, the workload and the reason.
import { describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { OnDemandDns, type AddressQueries } from '../../src/on-demand-dns/resolver.js';
import type { ResolvedAddress } from '../../src/on-demand-dns/answers.js';

const state = meshOf(
  workload('sleep', '127.0.10.1', { serviceAccount: 'sleep' }),
  workload('external', undefined, { uid: 'se/api', hostname: 'api.outside.test' }),
);
const SLEEP = state.findWorkloadByUid('Kubernetes//Pod/default/sleep') as WorkloadRecord;
const API = state.findWorkloadByUid('se/api') as WorkloadRecord;

type Answer = ResolvedAddress[] | NodeJS.ErrnoException;
const fail = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`query ${code} api.outside.test`), { code });

function scripted(a: Answer, aaaa: Answer): AddressQueries & { asked: string[] } {
  const asked: string[] = [];
  const answer = (type: string, result: Answer) => async (hostname: string) => {
    asked.push(`${type} ${hostname}`);
    await new Promise((r) => setTimeout(r, 5));
    if (result instanceof Error) throw result;
    return result;
  };
  return { asked, resolve4: answer('A', a), resolve6: answer('AAAA', aaaa) };
}

function dnsWith(queries: AddressQueries, ipv6 = true, now = () => 0) {
  const lookups: string[] = [];
  const dns = new OnDemandDns({
    upstreams: [], ipv6, now, random: () => 0, queries, log: createLogger({ name: 'test', level: 'silent' }),
    metrics: { lookup: (source, hostname) => lookups.push(`${source?.name} → ${hostname}`) },
  });
  return { dns, lookups };
}

describe('OnDemandDns', () => {
  it('asks A and AAAA, prefers the client family, and counts the lookup', async () => {
    const queries = scripted([{ address: '127.0.70.1', ttl: 30 }], [{ address: '::1', ttl: 30 }]);
    const { dns, lookups } = dnsWith(queries);
    expect(await dns.fetchAddress(SLEEP, API, false)).toBe('127.0.70.1');
    expect(await dns.fetchAddress(SLEEP, API, true)).toBe('::1');
    expect(queries.asked).toEqual(['A api.outside.test', 'AAAA api.outside.test']); // the second came from the cache
    expect(lookups).toEqual(['sleep → api.outside.test', 'sleep → api.outside.test']); // cache hits count, as in ztunnel
  });

  it('asks A only with IPv6 off', async () => {
    const queries = scripted([{ address: '127.0.70.1', ttl: 30 }], [{ address: '::1', ttl: 30 }]);
    const { dns } = dnsWith(queries, false);
    expect(await dns.fetchAddress(SLEEP, API, true)).toBe('127.0.70.1');
    expect(queries.asked).toEqual(['A api.outside.test']);
  });

  it('shares one lookup among concurrent connections, and asks again once the TTL ran out', async () => {
    let t = 0;
    const queries = scripted([{ address: '127.0.70.1', ttl: 2 }], fail('ENODATA'));
    const { dns, lookups } = dnsWith(queries, true, () => t);
    expect(await Promise.all([dns.fetchAddress(SLEEP, API, false), dns.fetchAddress(SLEEP, API, false)])).toEqual(['127.0.70.1', '127.0.70.1']);
    expect(queries.asked).toEqual(['A api.outside.test', 'AAAA api.outside.test']);
    t += 2_000;
    await dns.fetchAddress(SLEEP, API, false);
    expect(queries.asked).toHaveLength(4);
    expect(lookups).toHaveLength(3);
  });

  it.each([
    ['NXDOMAIN', fail('ENOTFOUND'), fail('ENOTFOUND'), /^DNS lookup of api\.outside\.test for workload se\/api failed: ENOTFOUND \(query ENOTFOUND api\.outside\.test\)$/],
    ['no records of either family', fail('ENODATA'), fail('ENODATA'), /failed: ENODATA/],
    ['a server failure', fail('ESERVFAIL'), fail('ENODATA'), /failed: ESERVFAIL/],
    ['a timeout', fail('ETIMEOUT'), fail('ETIMEOUT'), /failed: ETIMEOUT/],
    ['an empty answer', [], [], /^DNS lookup of api\.outside\.test for workload se\/api answered no addresses$/],
  ])('rejects with ZTUNNEL_ERR_DNS_RESOLVE on %s, and asks again next time', async (_, a, aaaa, message) => {
    const queries = scripted(a, aaaa);
    const { dns } = dnsWith(queries);
    await expect(dns.fetchAddress(SLEEP, API, false)).rejects.toMatchObject({ code: 'ZTUNNEL_ERR_DNS_RESOLVE', message: expect.stringMatching(message) });
    await expect(dns.fetchAddress(SLEEP, API, false)).rejects.toMatchObject({ code: 'ZTUNNEL_ERR_DNS_RESOLVE' });
    expect(queries.asked).toHaveLength(4);
  });

  it('takes the family that answered when the other one failed', async () => {
    const { dns } = dnsWith(scripted(fail('ETIMEOUT'), [{ address: '::1', ttl: 30 }]));
    expect(await dns.fetchAddress(SLEEP, API, false)).toBe('::1');
  });
});
