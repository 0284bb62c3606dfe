// Where ztunnel-config reads from: a dump file (--file), one admin address (--admin), or the ztunnels of the local
// mesh in .ambient/run.json (--node picks one; otherwise the first, or every one for per-node sections).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseHostPort } from '@ambient/core';
import type { CommandContext } from '../cli/context.js';
import { AmbientctlError, usageError } from '../errors.js';
import { DEFAULT_RUN_FILE, readRunFile } from '../run-file.js';
import { parseConfigDump, type ConfigDump } from './dump.js';
import { getOk, type Endpoint } from './http.js';

export interface SourceOptions {
  readonly file?: string;
  readonly admin?: string;
  readonly node?: string;
}

/** A ztunnel admin endpoint and the node it serves ('' when given by address only). */
export interface AdminTarget extends Endpoint {
  readonly node: string;
}

/**
 * The admin endpoints to ask. `every`: workloads, services and policies are the same mesh view on each ztunnel,
 * but certificates and connections belong to one node, so those views ask them all.
 */
export async function adminTargets(options: SourceOptions, context: CommandContext, scope: 'first' | 'every'): Promise<AdminTarget[]> {
  if (options.admin !== undefined) {
    if (options.node !== undefined) throw usageError('--admin and --node both pick a ztunnel: give one of them');
    if (!parseHostPort(options.admin)) throw usageError(`--admin must be HOST:PORT, not "${options.admin}"`);
    return [{ node: '', address: options.admin }];
  }
  const run = await readRunFile(resolve(context.cwd, DEFAULT_RUN_FILE));
  if (options.node !== undefined) {
    const found = run.ztunnels.find((z) => z.node === options.node);
    if (!found) throw usageError(`no ztunnel for node "${options.node}" in the local mesh (nodes: ${run.ztunnels.map((z) => z.node).join(', ') || 'none'})`);
    return [target(found)];
  }
  if (run.ztunnels.length === 0) throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', 'the local mesh has no ztunnel running');
  const all = run.ztunnels.map(target);
  return scope === 'every' ? all : all.slice(0, 1);
}

/** The dumps to print from: the file, or one per admin target. */
export async function loadDumps(options: SourceOptions, context: CommandContext, scope: 'first' | 'every'): Promise<ConfigDump[]> {
  if (options.file !== undefined) {
    if (options.admin !== undefined || options.node !== undefined) throw usageError('--file reads a saved dump: it cannot be combined with --admin or --node');
    const path = resolve(context.cwd, options.file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `cannot read the config dump ${path}: ${(err as Error).message}`);
    }
    return [parseConfigDump(text, path)];
  }
  const targets = await adminTargets(options, context, scope);
  return Promise.all(
    targets.map(async (t) => {
      const what = describe(t);
      return parseConfigDump(await getOk(t, '/config_dump', what), `${what} at ${t.address}`);
    }),
  );
}

/** A ztunnel of the run file; in an `up --netns` mesh its admin port is on its node namespace's loopback. */
function target(z: { node: string; admin: string; netns?: string }): AdminTarget {
  return { node: z.node, address: z.admin, ...(z.netns !== undefined ? { netns: z.netns } : {}) };
}

export function describe(target: AdminTarget): string {
  return target.node ? `the ztunnel of ${target.node}` : 'the ztunnel admin';
}
