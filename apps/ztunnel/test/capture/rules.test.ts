// The nat rules of iptables capture as a table, source preservation's mangle and routing rules, their removal, and
// the interface pattern check.
import { describe, expect, it } from 'vitest';
import { CHAINS, captureRules, interfacePatternProblem, originalSourceRemoval, originalSourceRules, removalRules } from '../../src/capture/rules.js';

const OPTIONS = { workloadInterfaces: 'vw+', outboundPort: 15001, hbonePort: 15008, inboundPlaintextPort: 15006 };

describe('captureRules', () => {
  const rules = captureRules(OPTIONS).map((r) => r.join(' '));

  it('is exactly this list, in this order', () => {
    expect(rules).toEqual([
      '-N AMBIENT_PREROUTING',
      '-N AMBIENT_OUTPUT',
      '-A AMBIENT_PREROUTING -i vw+ -p tcp -m addrtype --dst-type LOCAL -j RETURN',
      '-A AMBIENT_PREROUTING -i vw+ -p tcp -j REDIRECT --to-ports 15001',
      '-A AMBIENT_PREROUTING -p tcp -m addrtype --dst-type LOCAL -j RETURN',
      '-A AMBIENT_PREROUTING -p tcp --dport 15008 -j REDIRECT --to-ports 15008',
      '-A AMBIENT_PREROUTING -p tcp -j REDIRECT --to-ports 15006',
      '-A AMBIENT_OUTPUT -o vw+ -p tcp --dport 15008 -j REDIRECT --to-ports 15008',
      '-A PREROUTING -j AMBIENT_PREROUTING',
      '-A OUTPUT -j AMBIENT_OUTPUT',
    ]);
  });

  it('with --dns-capture, first sends the workloads\' DNS queries over UDP and TCP to the DNS proxy', () => {
    const withDns = captureRules({ ...OPTIONS, dnsPort: 15053 }).map((r) => r.join(' '));
    expect(withDns.slice(2, 5)).toEqual([
      '-A AMBIENT_PREROUTING -i vw+ -p udp --dport 53 -j REDIRECT --to-ports 15053',
      '-A AMBIENT_PREROUTING -i vw+ -p tcp --dport 53 -j REDIRECT --to-ports 15053',
      '-A AMBIENT_PREROUTING -i vw+ -p tcp -m addrtype --dst-type LOCAL -j RETURN',
    ]);
    expect(withDns.filter((r) => !r.includes('--dport 53'))).toEqual(rules);
  });

  it('hooks the chains in only after they are complete, so no half-built capture ever sees traffic', () => {
    expect(rules.slice(-2).every((r) => /^-A (PREROUTING|OUTPUT) -j AMBIENT_/.test(r))).toBe(true);
  });

  it('never captures in OUTPUT except HBONE towards a workload on this node: ztunnel\'s own connections stay out', () => {
    const output = captureRules(OPTIONS).filter((r) => r[0] === '-A' && r[1] === CHAINS.output);
    expect(output).toEqual([['-A', 'AMBIENT_OUTPUT', '-o', 'vw+', '-p', 'tcp', '--dport', '15008', '-j', 'REDIRECT', '--to-ports', '15008']]);
  });

  it.each([
    [{ outboundPort: 25001 }, '-A AMBIENT_PREROUTING -i vw+ -p tcp -j REDIRECT --to-ports 25001'],
    [{ hbonePort: 25008 }, '-A AMBIENT_PREROUTING -p tcp --dport 25008 -j REDIRECT --to-ports 25008'],
    [{ inboundPlaintextPort: 25006 }, '-A AMBIENT_PREROUTING -p tcp -j REDIRECT --to-ports 25006'],
    [{ workloadInterfaces: 'veth+' }, '-A AMBIENT_PREROUTING -i veth+ -p tcp -j REDIRECT --to-ports 15001'],
  ])('follows the configured ports and interfaces: %j', (change, expected) => {
    expect(captureRules({ ...OPTIONS, ...change }).map((r) => r.join(' '))).toContain(expected);
  });
});

describe('removalRules', () => {
  it('unhooks first, then flushes and deletes only our own chains', () => {
    expect(removalRules().map((r) => r.join(' '))).toEqual([
      '-D PREROUTING -j AMBIENT_PREROUTING',
      '-D OUTPUT -j AMBIENT_OUTPUT',
      '-F AMBIENT_PREROUTING',
      '-F AMBIENT_OUTPUT',
      '-X AMBIENT_PREROUTING',
      '-X AMBIENT_OUTPUT',
    ]);
  });
});

describe('originalSourceRules', () => {
  it('is exactly this list, in this order: the mangle mark, both ip rules into table 133, and its local route', () => {
    expect(originalSourceRules({ hbonePort: 15008 }).map((r) => r.join(' '))).toEqual([
      'iptables -w 5 -t mangle -N AMBIENT_PREROUTING',
      'iptables -w 5 -t mangle -A AMBIENT_PREROUTING -p tcp -m socket --transparent -j MARK --set-mark 0x539',
      'iptables -w 5 -t mangle -A PREROUTING -j AMBIENT_PREROUTING',
      'ip rule add fwmark 0x539 lookup 133',
      'ip rule add from 127.0.0.1 iif lo ipproto tcp sport 15008 lookup 133',
      'ip route add local 0.0.0.0/0 dev lo table 133',
    ]);
  });

  it('routes by source only the replies of the HBONE port the OUTPUT rule loops back to', () => {
    const looped = originalSourceRules({ hbonePort: 25008 }).filter((r) => r.includes('from'));
    expect(looped).toEqual([['ip', 'rule', 'add', 'from', '127.0.0.1', 'iif', 'lo', 'ipproto', 'tcp', 'sport', '25008', 'lookup', '133']]);
    expect(captureRules({ ...OPTIONS, hbonePort: 25008 }).map((r) => r.join(' '))).toContain('-A AMBIENT_OUTPUT -o vw+ -p tcp --dport 25008 -j REDIRECT --to-ports 25008');
  });
});

describe('originalSourceRules for IPv6', () => {
  it('is the same list with ip6tables, ip -6, ::1 and a local ::/0 route', () => {
    expect(originalSourceRules({ hbonePort: 15008 }, 6).map((r) => r.join(' '))).toEqual([
      'ip6tables -w 5 -t mangle -N AMBIENT_PREROUTING',
      'ip6tables -w 5 -t mangle -A AMBIENT_PREROUTING -p tcp -m socket --transparent -j MARK --set-mark 0x539',
      'ip6tables -w 5 -t mangle -A PREROUTING -j AMBIENT_PREROUTING',
      'ip -6 rule add fwmark 0x539 lookup 133',
      'ip -6 rule add from ::1 iif lo ipproto tcp sport 15008 lookup 133',
      'ip -6 route add local ::/0 dev lo table 133',
    ]);
  });

  it('is removed the same way', () => {
    expect(originalSourceRemoval(6).map((r) => r.join(' '))).toEqual([
      'ip6tables -w 5 -t mangle -D PREROUTING -j AMBIENT_PREROUTING',
      'ip6tables -w 5 -t mangle -F AMBIENT_PREROUTING',
      'ip6tables -w 5 -t mangle -X AMBIENT_PREROUTING',
      'ip -6 rule del fwmark 0x539 lookup 133',
      'ip -6 rule del from ::1 iif lo ipproto tcp lookup 133',
      'ip -6 route flush table 133',
    ]);
  });
});

describe('originalSourceRemoval', () => {
  it('undoes every part originalSourceRules adds: unhook, flush, delete, both ip rules, the table', () => {
    expect(originalSourceRemoval().map((r) => r.join(' '))).toEqual([
      'iptables -w 5 -t mangle -D PREROUTING -j AMBIENT_PREROUTING',
      'iptables -w 5 -t mangle -F AMBIENT_PREROUTING',
      'iptables -w 5 -t mangle -X AMBIENT_PREROUTING',
      'ip rule del fwmark 0x539 lookup 133',
      'ip rule del from 127.0.0.1 iif lo ipproto tcp lookup 133',
      'ip route flush table 133',
    ]);
    const added = originalSourceRules({ hbonePort: 15008 }).filter((r) => r[0] === 'ip' && r[2] === 'add');
    const deleted = originalSourceRemoval().filter((r) => r[0] === 'ip' && r[1] === 'rule');
    // Each ip rule deletion names a subset of its rule's selectors (the port left out, so any earlier port goes too).
    expect(deleted).toHaveLength(added.filter((r) => r[1] === 'rule').length);
    for (const del of deleted) expect(added.some((add) => add[1] === 'rule' && del.slice(3).every((word) => add.includes(word)))).toBe(true);
  });
});

describe('interfacePatternProblem', () => {
  it.each(['vw+', 'eth0', 'veth_a.1-b+', 'abcdefghijklmno'])('accepts %j', (p) => expect(interfacePatternProblem(p)).toBeUndefined());
  it.each(['', 'vw*', 'a b', 'vw+;', 'abcdefghijklmnop', '+'])('refuses %j', (p) => expect(interfacePatternProblem(p)).toMatch(/must be an interface name or prefix/));
});
