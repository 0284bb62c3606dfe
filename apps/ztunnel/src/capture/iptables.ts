// Installs and removes the capture rules with `iptables -t nat` (and, for source preservation, `-t mangle` and `ip
// rule`/`ip route`) in the current network namespace (async spawn, waiting for the xtables lock); with `ipv6` the
// same again with ip6tables and `ip -6`. Installing first removes leftovers of a previous run, so a restart is clean.
import { runCommand, type CommandRunner } from '@ambient/netns';
import { ZtunnelError } from '../errors.js';
import { captureRules, originalSourceRemoval, originalSourceRules, removalRules, xtables, type CaptureRuleOptions, type IpFamily } from './rules.js';

const FAMILIES: readonly IpFamily[] = [4, 6];

export async function installCapture(options: CaptureRuleOptions, run: CommandRunner = runCommand): Promise<void> {
  await removeCapture(run);
  let family: IpFamily = 4;
  try {
    for (family of options.ipv6 ? FAMILIES : [4 as const]) {
      for (const args of captureRules(options)) await run(xtables(family, 'nat', args));
      if (options.originalSource) for (const command of originalSourceRules(options, family)) await run(command);
    }
  } catch (err) {
    await removeCapture(run);
    const what = family === 6 ? 'its IPv6 rules (needs ip6tables with nat in this network namespace; --ipv6-enabled false leaves IPv6 out)' : 'its rules (needs root and iptables in this network namespace)';
    throw new ZtunnelError('ZTUNNEL_ERR_CAPTURE', `--capture iptables cannot install ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** Removes our chains and the jumps to them, both families (an earlier run may have had IPv6); parts already gone are skipped. */
export async function removeCapture(run: CommandRunner = runCommand): Promise<void> {
  for (const family of FAMILIES) {
    for (const args of removalRules()) await run(xtables(family, 'nat', args)).catch(() => undefined);
    for (const command of originalSourceRemoval(family)) await run(command).catch(() => undefined);
  }
}
