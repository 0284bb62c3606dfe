// `ambientd create-token`: mints one bearer token with the state directory's key and prints it on stdout.
import { hasCode, type EnvMap } from '@ambient/core';
import { mintToken, parseDuration } from '@ambient/spiffe';
import { stateDirFrom } from '../config.js';
import { flagMap, stringFlags, UsageError } from './args.js';

export const CREATE_TOKEN_HELP = `usage: ambientd create-token --namespace NS --service-account SA [--node NODE] [--duration 24h] [--state-dir DIR]

Prints one bearer token (a JWT signed with the state directory's token-key.pem) for NS/SA, as 'kubectl create token'.
Node proxies (ztunnel) need --node: it bounds which workloads' certificates they may ask for.
  --namespace NS          namespace of the service account (required)
  --service-account SA    service account name (required)
  --node NODE             the node a node proxy runs on
  --duration D            lifetime, e.g. 24h, 1h30m, 600s (default 24h)
  --state-dir DIR         where token-key.pem lives (default $AMBIENT_STATE_DIR, else ./.ambient/state)
`;

export async function createTokenCommand(argv: readonly string[], env: EnvMap): Promise<string> {
  const flags = flagMap(argv, stringFlags(['namespace', 'service-account', 'node', 'duration', 'state-dir']));
  const namespace = flags['--namespace'];
  const serviceAccount = flags['--service-account'];
  if (!namespace) throw new UsageError('--namespace is required');
  if (!serviceAccount) throw new UsageError('--service-account is required');
  let ttlSeconds: number;
  try {
    ttlSeconds = parseDuration(flags['--duration'] ?? '24h');
  } catch (err) {
    throw new UsageError(`--duration: ${(err as Error).message}`);
  }
  const node = flags['--node'];
  try {
    return await mintToken({
      stateDir: stateDirFrom({ ...flags, AMBIENT_STATE_DIR: env['AMBIENT_STATE_DIR'] }),
      namespace,
      serviceAccount,
      ttlSeconds,
      ...(node === undefined ? {} : { node }),
    });
  } catch (err) {
    // A name the token cannot carry is a bad flag value; an unusable state directory is not.
    if (hasCode(err, 'SPIFFE_ERR_TOKEN_CLAIMS')) throw new UsageError((err as Error).message);
    throw err;
  }
}
