// `ambientctl proxy-status` (ps): every proxy connected to ambientd and whether it has what was sent, from
// ambientd's /debug/syncz (the local mesh's ambientd, or --debug HOST:PORT).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseHostPort } from '@ambient/core';
import { AmbientctlError, usageError } from '../../errors.js';
import { parseOutputMode, render } from '../../output/format.js';
import { formatTable } from '../../output/table.js';
import { parseSyncz, proxyStatusTable } from '../../proxy-status/syncz.js';
import { DEFAULT_RUN_FILE, readRunFile } from '../../run-file.js';
import { getOk, type Endpoint } from '../../ztunnel-config/http.js';
import type { CommandContext } from '../context.js';

export function registerProxyStatus(program: Command, context: CommandContext): void {
  program
    .command('proxy-status')
    .alias('ps')
    .description("list the proxies connected to ambientd and their xDS sync status per type (WDS workloads, WADS policies)")
    .option('-o, --output <format>', 'short (a table), json or yaml (the raw /debug/syncz list)', 'short')
    .option('-v, --verbosity <level>', '0: subscribed types; 1: one SYNCED/NACKED/STALE/NOT SENT column per type', '0')
    .option('--debug <host:port>', "ambientd's debug address instead of the local mesh's")
    .action(async (opts: { output?: string; verbosity: string; debug?: string }) => {
      const mode = parseOutputMode(opts.output);
      if (opts.verbosity !== '0' && opts.verbosity !== '1') throw usageError(`-v must be 0 or 1, not "${opts.verbosity}"`);
      if (opts.debug !== undefined && !parseHostPort(opts.debug)) throw usageError(`--debug must be HOST:PORT, not "${opts.debug}"`);
      const endpoint = opts.debug !== undefined ? { address: opts.debug } : await runFileDebugEndpoint(context);
      const rows = parseSyncz(await getOk(endpoint, '/debug/syncz', 'ambientd'), `ambientd at ${endpoint.address}`);
      context.stdout.write(render(mode, rows, () => {
        const t = proxyStatusTable(rows, opts.verbosity === '1');
        return formatTable(t.headers, t.rows);
      }));
    });
}

/** ambientd's debug address (and namespace, in an `up --netns` mesh) from the run file; without one, the hint names this command's flag. */
async function runFileDebugEndpoint(context: CommandContext): Promise<Endpoint> {
  const path = resolve(context.cwd, DEFAULT_RUN_FILE);
  if (!existsSync(path)) {
    throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', `no local mesh is running (${path} does not exist); start one with 'ambientctl up DIR' or pass --debug HOST:PORT`);
  }
  const { ambientd } = await readRunFile(path);
  return { address: ambientd.debug, ...(ambientd.netns !== undefined ? { netns: ambientd.netns } : {}) };
}
