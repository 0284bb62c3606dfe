// The pure half of on-demand DNS: the address a connection takes from an answer, and how long answers are kept.
import { describe, expect, it } from 'vitest';
import { AnswerCache, MAX_TTL_SECONDS, pickAddress } from '../../src/on-demand-dns/answers.js';

const V4 = [{ address: '127.0.70.1', ttl: 30 }, { address: '127.0.70.2', ttl: 30 }];
const V6 = [{ address: '::1', ttl: 30 }];

describe('pickAddress', () => {
  it.each([
    ['an IPv4 client among both families takes IPv4', [...V6, ...V4], false, 0, '127.0.70.1'],
    ['… at random among them', [...V6, ...V4], false, 0.99, '127.0.70.2'],
    ['an IPv6 client among both families takes IPv6', [...V4, ...V6], true, 0.99, '::1'],
    ['an IPv6 client with IPv4 answers only takes IPv4', V4, true, 0.5, '127.0.70.2'],
    ['an IPv4 client with IPv6 answers only takes IPv6', V6, false, 0, '::1'],
    ['no answers: nothing', [], false, 0, undefined],
  ])('%s', (_, answers, preferIpv6, random, want) => {
    expect(pickAddress(answers, preferIpv6, () => random)).toBe(want);
  });
});

describe('AnswerCache', () => {
  function clock(): { now: () => number; advance(ms: number): void } {
    let t = 1_000_000;
    return { now: () => t, advance: (ms) => (t += ms) };
  }

  it('keeps answers for the shortest TTL among them', () => {
    const c = clock();
    const cache = new AnswerCache(c.now);
    cache.insert('api.outside.test', [{ address: '127.0.70.1', ttl: 60 }, { address: '127.0.70.2', ttl: 5 }]);
    c.advance(4_999);
    expect(cache.find('api.outside.test')?.map((a) => a.address)).toEqual(['127.0.70.1', '127.0.70.2']);
    c.advance(1);
    expect(cache.find('api.outside.test')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep TTL 0, empty answers, or anything past a day', () => {
    const c = clock();
    const cache = new AnswerCache(c.now);
    cache.insert('zero.test', [{ address: '127.0.70.1', ttl: 0 }]);
    cache.insert('none.test', []);
    cache.insert('long.test', [{ address: '127.0.70.3', ttl: 7 * MAX_TTL_SECONDS }]);
    expect([cache.find('zero.test'), cache.find('none.test')]).toEqual([undefined, undefined]);
    c.advance(MAX_TTL_SECONDS * 1000 - 1);
    expect(cache.find('long.test')).toHaveLength(1);
    c.advance(1);
    expect(cache.find('long.test')).toBeUndefined();
  });

  it('drops the oldest name past its capacity, and a new answer replaces the old', () => {
    const cache = new AnswerCache(() => 0, 2);
    cache.insert('a.test', [{ address: '127.0.70.1', ttl: 30 }]);
    cache.insert('b.test', [{ address: '127.0.70.2', ttl: 30 }]);
    cache.insert('a.test', [{ address: '127.0.70.9', ttl: 30 }]);
    cache.insert('c.test', [{ address: '127.0.70.3', ttl: 30 }]);
    expect([cache.find('a.test')?.[0]?.address, cache.find('b.test'), cache.find('c.test')?.[0]?.address]).toEqual(['127.0.70.9', undefined, '127.0.70.3']);
  });
});
