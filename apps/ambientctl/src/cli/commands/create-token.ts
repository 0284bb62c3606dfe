// `ambientctl create token`: one bearer token (JWT) for a service account, signed with the state directory's key,
// as `kubectl create token` prints one; minting is @ambient/spiffe's, shared with `ambientd create-token`.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hasCode } from '@ambient/core';
import { mintToken, parseDuration } from '@ambient/spiffe';
import { usageError } from '../../errors.js';
import type { CommandContext } from '../context.js';

/** CONTRACTS.md: `--state-dir`, else `$AMBIENT_STATE_DIR`, else ./.ambient/state (as ambientd resolves it). */
const DEFAULT_STATE_DIR = '.ambient/state';

interface CreateTokenFlags {
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly node?: string;
  readonly duration: string;
  readonly stateDir?: string;
}

export function registerCreateToken(program: Command, context: CommandContext): void {
  const create = program
    .command('create')
    .description('create mesh credentials')
    .action(() => {
      throw usageError("'create' needs what to create: token");
    });
  create
    .command('token')
    .description("print one bearer token (a JWT signed with the state directory's token-key.pem) for a service account")
    .option('--namespace <NS>', 'namespace of the service account (required)')
    .option('--service-account <SA>', 'service account name (required)')
    .option('--node <NODE>', 'the node a node proxy (ztunnel) runs on; bounds which workloads it may get certificates for')
    .option('--duration <D>', 'lifetime, e.g. 24h, 1h30m, 600s', '24h')
    .option('--state-dir <DIR>', 'where token-key.pem lives (default $AMBIENT_STATE_DIR, else ./.ambient/state)')
    .action(async (flags: CreateTokenFlags) => {
      if (!flags.namespace) throw usageError('--namespace is required');
      if (!flags.serviceAccount) throw usageError('--service-account is required');
      const ttlSeconds = durationOf(flags.duration);
      const stateDir = resolve(context.cwd, flags.stateDir || context.env['AMBIENT_STATE_DIR'] || DEFAULT_STATE_DIR);
      try {
        const token = await mintToken({
          stateDir, namespace: flags.namespace, serviceAccount: flags.serviceAccount, ttlSeconds,
          ...(flags.node === undefined ? {} : { node: flags.node }),
        });
        context.stdout.write(`${token}\n`);
      } catch (err) {
        // A name a token cannot carry is a bad flag value; an unusable state directory is not (exit 1).
        if (hasCode(err, 'SPIFFE_ERR_TOKEN_CLAIMS')) throw usageError((err as Error).message);
        throw err;
      }
    });
}

function durationOf(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw usageError(`--duration: ${(err as Error).message}`);
  }
}
