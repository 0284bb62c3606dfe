// The pure layout: names, addresses, routes and the command list for a spec, and every malformed spec refused.
import { describe, expect, it } from 'vitest';
import { buildCommands, layoutTopology, NetnsError, runPrefix, type TopologySpec } from '../src/index.js';

const SPEC: TopologySpec = { prefix: 'amb-1-ab', nodes: [{ name: 'node-a', workloads: ['sleep'] }, { name: 'node-b', workloads: ['echo', 'db'] }], hosts: ['cp'] };

describe('layoutTopology', () => {
  const layout = layoutTopology(SPEC);

  it('names every namespace after the prefix, the wire first', () => {
    expect(layout.namespaces).toEqual(['amb-1-ab-wire', 'amb-1-ab-node-a', 'amb-1-ab-node-b', 'amb-1-ab-cp', 'amb-1-ab-sleep', 'amb-1-ab-echo', 'amb-1-ab-db']);
  });

  it.each([
    ['sleep', { node: 'node-a', ip: '10.1.0.2', gateway: '10.1.0.1', nodeInterface: 'vw0' }],
    ['echo', { node: 'node-b', ip: '10.2.0.2', gateway: '10.2.0.1', nodeInterface: 'vw0' }],
    ['db', { node: 'node-b', ip: '10.2.1.2', gateway: '10.2.1.1', nodeInterface: 'vw1' }],
  ])('gives workload %s its own /30 inside its node range', (name, expected) => {
    expect(layout.workloads.find((w) => w.name === name)).toMatchObject(expected);
  });

  it('puts nodes and hosts on one wire subnet, hosts from the top', () => {
    expect(layout.nodes.map((n) => [n.name, n.wireIp, n.podCidr, n.wireInterface])).toEqual([
      ['node-a', '10.255.0.1', '10.1.0.0/16', 'wire0'],
      ['node-b', '10.255.0.2', '10.2.0.0/16', 'wire0'],
    ]);
    expect(layout.hosts).toEqual([{ name: 'cp', namespace: 'amb-1-ab-cp', wireIp: '10.255.0.254' }]);
  });

  it('builds only inside namespaces: every link is created with both ends placed in one', () => {
    const commands = buildCommands(layout);
    const adds = commands.filter((c) => c.slice(0, 3).join(' ') === 'ip link add');
    expect(adds).toHaveLength(3 + 3);
    for (const add of adds) expect(add.filter((a) => a === 'netns')).toHaveLength(2);
    // Everything else names its namespace with -n or runs through ip netns exec.
    for (const c of commands.filter((c) => !adds.includes(c))) expect(c[1] === '-n' || c[1] === 'netns').toBe(true);
  });

  it('routes each node to the other node ranges over the wire and enables forwarding', () => {
    const commands = buildCommands(layout).map((c) => c.join(' '));
    expect(commands).toContain('ip -n amb-1-ab-node-a route add 10.2.0.0/16 via 10.255.0.2');
    expect(commands).toContain('ip -n amb-1-ab-node-b route add 10.1.0.0/16 via 10.255.0.1');
    expect(commands).toContain('ip -n amb-1-ab-sleep route add default via 10.1.0.1');
    expect(commands).toContain('ip netns exec amb-1-ab-node-a sysctl -qw net.ipv4.ip_forward=1');
    expect(commands).not.toContain('ip -n amb-1-ab-node-a route add default');
  });

  it('brings loopback up unless told not to', () => {
    const up = (loopback: boolean) => buildCommands(layout, loopback).filter((c) => c.includes('lo')).length;
    expect(up(true)).toBe(layout.namespaces.length);
    expect(up(false)).toBe(0);
  });
});

describe('layoutTopology with ipv6', () => {
  const layout = layoutTopology({ ...SPEC, ipv6: true });
  const commands = buildCommands(layout).map((c) => c.join(' '));

  it('gives every workload an IPv6 address beside its IPv4 one, mirroring its numbers, in RFC 5952 form', () => {
    expect(layout.workloads.map((w) => [w.name, w.ip, w.ip6, w.gateway6])).toEqual([
      ['sleep', '10.1.0.2', 'fd00:1::2', 'fd00:1::1'],
      ['echo', '10.2.0.2', 'fd00:2::2', 'fd00:2::1'],
      ['db', '10.2.1.2', 'fd00:2:1::2', 'fd00:2:1::1'],
    ]);
    expect(layout.nodes.map((n) => [n.wireIp6, n.podCidr6])).toEqual([['fd00:ff::1', 'fd00:1::/32'], ['fd00:ff::2', 'fd00:2::/32']]);
    expect(layout.hosts[0]?.wireIp6).toBe('fd00:ff::254');
    expect(layout.wireCidr6).toBe('fd00:ff::/64');
  });

  it('adds the addresses without duplicate address detection, and IPv6 routes and forwarding', () => {
    expect(commands).toContain('ip -n amb-1-ab-sleep -6 addr add fd00:1::2/64 dev eth0 nodad');
    expect(commands).toContain('ip -n amb-1-ab-node-a -6 addr add fd00:1::1/64 dev vw0 nodad');
    expect(commands).toContain('ip -n amb-1-ab-node-a -6 addr add fd00:ff::1/64 dev wire0 nodad');
    expect(commands).toContain('ip -n amb-1-ab-sleep -6 route add default via fd00:1::1');
    expect(commands).toContain('ip -n amb-1-ab-node-a -6 route add fd00:2::/32 via fd00:ff::2');
    expect(commands).toContain('ip -n amb-1-ab-cp -6 route add fd00:1::/32 via fd00:ff::1');
    expect(commands).toContain('ip netns exec amb-1-ab-node-b sysctl -qw net.ipv6.conf.all.forwarding=1');
  });

  it('leaves IPv6 out unless asked', () => {
    const plain = layoutTopology(SPEC);
    expect(plain.workloads.every((w) => w.ip6 === undefined && w.gateway6 === undefined)).toBe(true);
    expect(buildCommands(plain).filter((c) => c.includes('-6') || c.some((a) => a.includes('ipv6')))).toEqual([]);
  });
});

describe('malformed specs', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
  it.each([
    ['an upper-case prefix', { prefix: 'Amb', nodes: [{ name: 'a', workloads: [] }] }, /prefix must be/],
    ['no nodes', { prefix: 'p', nodes: [] }, /at least one node/],
    ['ipv6 that is no boolean', { prefix: 'p', nodes: [{ name: 'a', workloads: [] }], ipv6: 'yes' }, /ipv6 must be true or false, got "yes"/],
    ['a duplicate name', { prefix: 'p', nodes: [{ name: 'a', workloads: ['a'] }] }, /"a" is used twice/],
    ['the reserved name wire', { prefix: 'p', nodes: [{ name: 'wire', workloads: [] }] }, /reserved "wire"/],
    ['a name with a slash', { prefix: 'p', nodes: [{ name: 'a/b', workloads: [] }] }, /node name must be/],
    ['a non-string workload', { prefix: 'p', nodes: [{ name: 'a', workloads: [7] }] }, /workload name must be/],
    ['too many workloads', { prefix: 'p', nodes: [{ name: 'a', workloads: many(251) }] }, /251 workloads, at most 250/],
    ['too many nodes', { prefix: 'p', nodes: many(201).map((name) => ({ name, workloads: [] })) }, /at most 200 nodes/],
  ])('refuses %s', (_what, spec, message) => {
    expect(() => layoutTopology(spec as unknown as TopologySpec)).toThrow(message);
    try {
      layoutTopology(spec as unknown as TopologySpec);
    } catch (err) {
      expect(err).toBeInstanceOf(NetnsError);
      expect((err as NetnsError).code).toBe('NETNS_ERR_SPEC');
    }
  });

  it('names every problem at once', () => {
    expect(() => layoutTopology({ prefix: 'X', nodes: [{ name: 'A', workloads: [] }] })).toThrow(/prefix must be.*; node name must be/);
  });
});

describe('runPrefix', () => {
  it('carries the family and the owning pid, and differs per call', () => {
    expect(runPrefix('ambt', 4242)).toMatch(/^ambt-4242-[0-9a-f]{6}$/);
    expect(runPrefix('ambt')).not.toBe(runPrefix('ambt'));
  });
  it('refuses a family that could not be matched back', () => {
    expect(() => runPrefix('a-b')).toThrow(NetnsError);
  });
});
