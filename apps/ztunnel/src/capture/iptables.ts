// Installs and removes the capture rules with `iptables -t nat` (and, for source preservation, `-t mangle` and `ip
// rule`/`ip route`) in the current network namespace (async spawn, waiting for the xtables lock). Installing first
// removes leftovers of a previous run, so a restart is clean.
import { runCommand, type CommandRunner } from '@ambient/netns';
import { ZtunnelError } from '../errors.js';
import { captureRules, originalSourceRemoval, originalSourceRules, removalRules, type CaptureRuleOptions } from './rules.js';

const iptables = (args: readonly string[]): string[] => ['iptables', '-w', '5', '-t', 'nat', ...args];

export async function installCapture(options: CaptureRuleOptions, run: CommandRunner = runCommand): Promise<void> {
  await removeCapture(run);
  try {
    for (const args of captureRules(options)) await run(iptables(args));
    if (options.originalSource) for (const command of originalSourceRules(options)) await run(command);
  } catch (err) {
    await removeCapture(run);
    throw new ZtunnelError('ZTUNNEL_ERR_CAPTURE', `--capture iptables cannot install its rules (needs root and iptables in this network namespace): ${(err as Error).message}`, { cause: err });
  }
}

/** Removes our chains and the jumps to them; parts already gone are skipped. */
export async function removeCapture(run: CommandRunner = runCommand): Promise<void> {
  for (const args of removalRules()) await run(iptables(args)).catch(() => undefined);
  for (const command of originalSourceRemoval()) await run(command).catch(() => undefined);
}
