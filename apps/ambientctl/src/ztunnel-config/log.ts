// `ztunnel-config log`: reads or sets the log level of ztunnels through their admin /logging endpoint.
import type { CommandContext } from '../cli/context.js';
import { AmbientctlError } from '../errors.js';
import { request } from './http.js';
import { adminTargets, describe, type SourceOptions } from './source.js';

/**
 * One line per ztunnel (`<node or address>: current log level is …`). `change`: a level (`debug`, or per module
 * `access:debug,dns:off`), or `reset` for the level each ztunnel started with; without it, only reads.
 */
export async function setLogLevel(options: SourceOptions, context: CommandContext, change: { level: string } | 'reset' | undefined): Promise<string[]> {
  const targets = await adminTargets(options, context, 'every');
  const lines: string[] = [];
  const path = change === undefined ? '/logging' : change === 'reset' ? '/logging?reset' : `/logging?level=${encodeURIComponent(change.level)}`;
  for (const target of targets) {
    const answer = await request(target, path, describe(target), change === undefined ? 'GET' : 'POST');
    if (answer.status !== 200) {
      throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `${describe(target)} at ${target.address} refused the level: ${answer.body.trim()}`);
    }
    lines.push(`${target.node || target.address}: ${answer.body.trim()}`);
  }
  return lines;
}
