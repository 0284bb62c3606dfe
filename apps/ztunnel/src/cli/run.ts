// `ztunnel [flags]` as a process: starts the proxy, logs where its endpoints listen, and on SIGTERM, SIGINT or
// /quitquitquit drains (tunnels may finish up to the deadline) and exits 0.
import { fileURLToPath } from 'node:url';
import { createLogger, missingBinFlags } from '@ambient/core';
import type { ZtunnelConfig } from '../config.js';
import { startZtunnel } from '../ztunnel.js';
import { installLeanAsyncBind } from './async-bind.js';
import { batchedStderr } from './batched-stderr.js';

/** The bin whose shebang names the node flags ztunnel runs with (src/cli and dist/cli are both two levels down). */
const BIN = fileURLToPath(new URL('../../bin/ztunnel.js', import.meta.url));

export async function run(config: ZtunnelConfig): Promise<void> {
  const log = createLogger({ name: 'ztunnel', destination: batchedStderr() });
  installLeanAsyncBind();
  const ztunnel = await startZtunnel(config, { logger: log });
  // After the start, so that a bad flag value still fails with its one sentence alone.
  const missing = missingBinFlags(BIN);
  if (missing.length > 0) log.warn({ missing, bin: BIN }, 'node was started without the flags of ztunnel\'s shebang; receiving at full speed may cost up to twice the CPU');
  log.info({ node: config.node, admin: ztunnel.adminAddress, metrics: ztunnel.metricsAddress, readiness: ztunnel.readinessAddress }, 'ztunnel started');
  void ztunnel.ready().then(() => log.info({ node: config.node }, 'ztunnel ready'));
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'shutting down');
    void ztunnel.drain().then(() => {
      log.info('drained');
      log.flush();
      // Give the async log destination a moment to write before the process goes.
      setTimeout(() => process.exit(0), 50);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  void ztunnel.quitRequested.then(() => stop('/quitquitquit'));
}
