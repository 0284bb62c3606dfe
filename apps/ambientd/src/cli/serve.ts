// `ambientd [flags]`: runs the control plane until SIGTERM or SIGINT, then shuts down and exits 0.
import { ConfigError, createLogger, hasCode, type EnvMap } from '@ambient/core';
import { startAmbientd } from '../ambientd.js';
import { readAmbientdConfig, type AmbientdConfig } from '../config.js';
import { flagMap, stringFlags, UsageError } from './args.js';

export const SERVE_HELP = `usage: ambientd --config DIR [flags]
       ambientd create-token --namespace NS --service-account SA [--node NODE] [--duration 24h] [--state-dir DIR]

The ambient mesh's control plane: reads Istio resources from YAML in DIR (watched), serves them to ztunnels over
delta xDS and signs workload certificates (Istio's CA API) on one TLS gRPC port.
  --config DIR                  YAML directory, watched (required)
  --state-dir DIR               CA material and token key (default $AMBIENT_STATE_DIR, else ./.ambient/state)
  --grpc-listen HOST:PORT       xDS + CA over TLS (default 127.0.0.1:15012)
  --debug-listen HOST:PORT      /ready /metrics /debug/syncz /debug/configz /debug/config-errors (default 127.0.0.1:15014)
  --cluster-id ID               the <cluster> in workload uids (default Kubernetes)
  --trust-domain TD             (default cluster.local)
  --root-namespace NS           policies here without a selector are global (default istio-system)
  --trusted-node-accounts LIST  NS/SA,… allowed to impersonate workloads on their node (default istio-system/ztunnel)
Run 'ambientd create-token --help' for minting bearer tokens.
`;

const FLAGS = ['config', 'state-dir', 'grpc-listen', 'debug-listen', 'cluster-id', 'trust-domain', 'root-namespace', 'trusted-node-accounts'];

/** Flags plus the environment variables ambientd reads, as one map. */
export function serveConfig(argv: readonly string[], env: EnvMap): AmbientdConfig {
  const map = { ...flagMap(argv, stringFlags(FLAGS)), AMBIENT_STATE_DIR: env['AMBIENT_STATE_DIR'] };
  try {
    return readAmbientdConfig(map);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export async function serve(argv: readonly string[], env: EnvMap): Promise<void> {
  const config = serveConfig(argv, env);
  const log = createLogger({ name: 'ambientd' });
  const daemon = await startAmbientd(config, { logger: log }).catch((err: unknown) => {
    // A --config that names no directory is a bad flag, like a malformed one.
    if (hasCode(err, 'AMBIENTD_ERR_CONFIG_DIR')) throw new UsageError((err as Error).message);
    throw err;
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void daemon.close().then(() => {
      log.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
