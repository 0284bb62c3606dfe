// Installing and removing the capture rules through a recording runner: order, the clean slate first, source
// preservation when asked, and a failure that removes what was installed and says what to check.
import { describe, expect, it } from 'vitest';
import { hasCode } from '@ambient/core';
import { installCapture, removeCapture } from '../../src/capture/iptables.js';
import { originalSourceRemoval, originalSourceRules } from '../../src/capture/rules.js';

const OPTIONS = { workloadInterfaces: 'vw+', outboundPort: 15001, hbonePort: 15008, inboundPlaintextPort: 15006 };

function recorder(failOn?: (argv: readonly string[]) => boolean) {
  const calls: string[] = [];
  const run = (argv: readonly string[]): Promise<string> => {
    calls.push(argv.join(' '));
    return failOn?.(argv) ? Promise.reject(new Error(`\`${argv.join(' ')}\` failed (exit 4): iptables: Permission denied`)) : Promise.resolve('');
  };
  return { calls, run };
}

describe('installCapture', () => {
  it('removes leftovers of an earlier run, then adds every rule with the xtables lock wait', async () => {
    const { calls, run } = recorder();
    await installCapture(OPTIONS, run);
    // The clean slate, both families (an earlier run may have had IPv6): nat chains, then the source-preservation
    // parts (mangle chain, ip rules, table 133).
    expect(calls.slice(0, 6).every((c) => /^iptables -w 5 -t nat -[DFX] /.test(c))).toBe(true);
    expect(calls.slice(6, 12)).toEqual(originalSourceRemoval().map((c) => c.join(' ')));
    expect(calls.slice(12, 18).every((c) => /^ip6tables -w 5 -t nat -[DFX] /.test(c))).toBe(true);
    expect(calls.slice(18, 24)).toEqual(originalSourceRemoval(6).map((c) => c.join(' ')));
    expect(calls.slice(24)).toHaveLength(10);
    expect(calls.slice(24).every((c) => c.startsWith('iptables -w 5 -t nat -'))).toBe(true);
    expect(calls.at(-1)).toBe('iptables -w 5 -t nat -A OUTPUT -j AMBIENT_OUTPUT');
  });

  it('with ipv6 installs every rule again with ip6tables and ip -6, after the IPv4 ones', async () => {
    const { calls, run } = recorder();
    await installCapture({ ...OPTIONS, originalSource: true, ipv6: true }, run);
    const installed = calls.slice(24);
    expect(installed).toHaveLength(2 * (10 + 6));
    expect(installed.slice(0, 16).every((c) => c.startsWith('iptables ') || /^ip (rule|route) /.test(c))).toBe(true);
    expect(installed.slice(16, 26).map((c) => c.replace(/^ip6tables /, 'iptables '))).toEqual(installed.slice(0, 10));
    expect(installed.slice(26)).toEqual(originalSourceRules(OPTIONS, 6).map((c) => c.join(' ')));
  });

  it('names IPv6 and the way out when only an IPv6 rule is refused (no ip6tables nat, say)', async () => {
    const { calls, run } = recorder((argv) => argv[0] === 'ip6tables' && argv.includes('-N'));
    const err = await installCapture({ ...OPTIONS, ipv6: true }, run).catch((e: unknown) => e);
    expect(hasCode(err, 'ZTUNNEL_ERR_CAPTURE')).toBe(true);
    expect((err as Error).message).toMatch(/^--capture iptables cannot install its IPv6 rules \(needs ip6tables with nat in this network namespace; --ipv6-enabled false leaves IPv6 out\): /);
    // What was installed for IPv4 is removed again.
    expect(calls.at(-1)).toBe('ip -6 route flush table 133');
  });

  it('adds source preservation after the nat rules when asked', async () => {
    const { calls, run } = recorder();
    await installCapture({ ...OPTIONS, originalSource: true }, run);
    // Exactly originalSourceRules (listed in rules.test.ts), with the configured HBONE port.
    expect(calls.slice(-6)).toEqual(originalSourceRules(OPTIONS).map((c) => c.join(' ')));
    expect(calls).toContain('ip rule add from 127.0.0.1 iif lo ipproto tcp sport 15008 lookup 133');
  });

  it('on a refused rule removes what it added and throws ZTUNNEL_ERR_CAPTURE naming the cause', async () => {
    const { calls, run } = recorder((argv) => argv.includes('REDIRECT'));
    const err = await installCapture(OPTIONS, run).catch((e: unknown) => e);
    expect(hasCode(err, 'ZTUNNEL_ERR_CAPTURE')).toBe(true);
    expect((err as Error).message).toMatch(/^--capture iptables cannot install its rules \(needs root and iptables in this network namespace\): .*Permission denied/);
    expect(calls.slice(-24, -18).every((c) => /^iptables -w 5 -t nat -[DFX] /.test(c))).toBe(true);
    expect(calls.at(-1)).toBe('ip -6 route flush table 133');
  });

  it('removes everything when a source-preservation step is refused (no xt_socket, say)', async () => {
    const { calls, run } = recorder((argv) => argv.includes('--transparent'));
    const err = await installCapture({ ...OPTIONS, originalSource: true }, run).catch((e: unknown) => e);
    expect(hasCode(err, 'ZTUNNEL_ERR_CAPTURE')).toBe(true);
    expect(calls.at(-1)).toBe('ip -6 route flush table 133');
  });
});

describe('removeCapture', () => {
  it('tries every removal step even when earlier ones fail (parts already gone)', async () => {
    const { calls, run } = recorder(() => true);
    await removeCapture(run);
    expect(calls).toHaveLength(24);
  });
});
