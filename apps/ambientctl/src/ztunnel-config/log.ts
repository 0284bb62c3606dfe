// `ztunnel-config log`: reads or sets the log level of ztunnels through their admin /logging endpoint.
import type { CommandContext } from '../cli/context.js';
import { AmbientctlError } from '../errors.js';
import { request } from './http.js';
import { adminTargets, describe, type SourceOptions } from './source.js';

/** One line per ztunnel (`<node or address>: current log level is …`); without `level` it only reads. */
export async function setLogLevel(options: SourceOptions, context: CommandContext, level: string | undefined): Promise<string[]> {
  const targets = await adminTargets(options, context, 'every');
  const lines: string[] = [];
  for (const target of targets) {
    const path = level === undefined ? '/logging' : `/logging?level=${encodeURIComponent(level)}`;
    const answer = await request(target, path, describe(target), level === undefined ? 'GET' : 'POST');
    if (answer.status !== 200) {
      throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `${describe(target)} at ${target.address} refused the level: ${answer.body.trim()}`);
    }
    lines.push(`${target.node || target.address}: ${answer.body.trim()}`);
  }
  return lines;
}
