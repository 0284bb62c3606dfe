// The nat rules of iptables capture as a table, their removal, and the interface pattern check.
import { describe, expect, it } from 'vitest';
import { CHAINS, captureRules, interfacePatternProblem, removalRules } from '../../src/capture/rules.js';

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

describe('interfacePatternProblem', () => {
  it.each(['vw+', 'eth0', 'veth_a.1-b+', 'abcdefghijklmno'])('accepts %j', (p) => expect(interfacePatternProblem(p)).toBeUndefined());
  it.each(['', 'vw*', 'a b', 'vw+;', 'abcdefghijklmnop', '+'])('refuses %j', (p) => expect(interfacePatternProblem(p)).toMatch(/must be an interface name or prefix/));
});
