// ambientd assembled: state directory → CA and token key; config directory → MeshConfig → delta ADS; the CA
// service beside it on one TLS gRPC port; the debug port. startAmbientd runs it in-process (tests, ambientctl).
import { Server } from '@grpc/grpc-js';
import { createLogger, type Logger } from '@ambient/core';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import { MeshConfig } from '@ambient/mesh-config';
import { addCertificateService } from '@ambient/ca-grpc';
import { createCaService, type Caller } from '@ambient/spiffe';
import { XdsServer } from '@ambient/xds-server';
import { createAuthenticator, xdsAuthentication } from './auth.js';
import type { AmbientdConfig } from './config.js';
import { checkConfigDir, ConfigWatcher, readConfigDir, type DirectoryRead } from './config-files.js';
import { ConvergenceTracker } from './convergence.js';
import { closeDebug, listenDebug, type DebugListener } from './debug-server.js';
import { listenGrpc, shutdownGrpc, type GrpcListener } from './grpc-server.js';
import { AmbientdMetrics } from './metrics.js';
import { MeshSync, type ConfigTranslator, type ServedProblem } from './mesh-sync.js';
import { ServingCertificate } from './serving-certificate.js';
import { openStateDir } from './state-dir.js';

export interface AmbientdOptions {
  /** Replaces MeshConfig (tests of the app's own wiring). */
  readonly translator?: ConfigTranslator;
  readonly logger?: Logger;
  /** Quiet time after a file event before re-reading the directory (default 50 ms). */
  readonly watchDebounceMs?: number;
  /** Lifetime of the gRPC serving certificate, re-issued at half-life (default 30 days). */
  readonly servingTtlSeconds?: number;
  /** How long config changes gather before one xDS push (default 0: the watcher's debounce already batches edits). */
  readonly pushDebounceMs?: number;
}

export interface Ambientd {
  /** `host:port` of the xDS + CA port, as bound. */
  readonly grpcAddress: string;
  readonly debugAddress: string;
  /** The mesh's trust bundle (`root-cert.pem`). */
  readonly rootPem: string;
  /** The config problems as last read. */
  configErrors(): ServedProblem[];
  /** Stops accepting, ends xDS streams with UNAVAILABLE, closes both ports. */
  close(): Promise<void>;
}

/** The `type` label of pilot_xds_pushes and the log's `changed` field. */
const SHORT_TYPE: Record<string, string> = { [ADDRESS_TYPE_URL]: 'address', [AUTHORIZATION_TYPE_URL]: 'authorization' };

export async function startAmbientd(config: AmbientdConfig, options: AmbientdOptions = {}): Promise<Ambientd> {
  const log = options.logger ?? createLogger({ name: 'ambientd' });
  await checkConfigDir(config.configDir);
  const state = await openStateDir(config.stateDir, config.trustDomain);
  log.info({ stateDir: config.stateDir, created: state.caCreated }, state.caCreated ? 'created a new mesh root' : 'loaded the mesh CA');
  const translator =
    options.translator ?? new MeshConfig({ clusterId: config.clusterId, trustDomain: config.trustDomain, rootNamespace: config.rootNamespace });
  const authenticate = createAuthenticator(state.tokenKey, config.trustDomain);
  const xds = new XdsServer<Caller>({
    authenticate: xdsAuthentication(authenticate),
    controlPlaneId: 'ambientd',
    debounceMs: options.pushDebounceMs ?? 0,
    logger: log,
  });
  const sync = new MeshSync(translator, xds);
  const metrics = new AmbientdMetrics({ connectedProxies: () => xds.syncStatus().length, configErrors: () => sync.problems().length });
  const convergence = new ConvergenceTracker({
    source: xds,
    onConverged: (seconds, pushes) => {
      metrics.converged(seconds);
      for (const [typeUrl, count] of pushes) metrics.pushed(SHORT_TYPE[typeUrl] ?? typeUrl, count);
    },
  });
  let ready: string | undefined = 'config not loaded yet';
  let reported = new Set<string>();
  const applyRead = (read: DirectoryRead): void => {
    const startedAt = performance.now();
    const result = sync.apply(read);
    convergence.changed(result.changedTypes, startedAt);
    metrics.configRead(result.problems.length === 0 ? 'ok' : 'problems');
    const now = new Set(result.problems.map((p) => [p.line === undefined ? p.file : `${p.file}:${p.line}`, p.object, p.field, p.message].filter(Boolean).join(': ')));
    for (const line of now) if (!reported.has(line)) log.warn(`config problem: ${line}`);
    reported = now;
    const { translateMs, publishMs } = result;
    log.info(
      { files: read.files.length, changed: result.changedTypes.map((t) => SHORT_TYPE[t] ?? t), problems: result.problems.length, translateMs, publishMs },
      'config read',
    );
  };

  let debug: DebugListener | undefined;
  let watcher: ConfigWatcher | undefined;
  let grpc: GrpcListener | undefined;
  let serving: ServingCertificate | undefined;
  // Streams first: grpc-js's graceful shutdown would otherwise wait for every long-lived ADS stream.
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      watcher?.close();
      convergence.close();
      xds.close();
      serving?.close();
      if (grpc) await shutdownGrpc(grpc.server, 2_000);
      if (debug) await closeDebug(debug.server);
      await metrics.shutdown();
    })());
  try {
    debug = await listenDebug(config.debugListen, {
      notReady: () => ready,
      metrics: (req, res) => metrics.serve(req, res),
      syncz: () => xds.syncStatus(),
      configz: () => sync.current().configz,
      configErrors: () => sync.problems(),
    });
    // Watch before the first read, so an edit landing between the two is not missed.
    watcher = new ConfigWatcher({
      dir: config.configDir,
      debounceMs: options.watchDebounceMs ?? 50,
      onRead: applyRead,
      onError: (err, kind) => {
        sync.failed(config.configDir, err, kind);
        metrics.configRead('failed');
        log.error({ err }, kind === 'directory' ? 'config directory unreadable; serving the last good config' : 'config update failed; serving the last good config');
      },
    });
    applyRead(await readConfigDir(config.configDir));

    const server = new Server();
    xds.register(server);
    const caService = createCaService({
      ca: state.ca,
      authenticate,
      trustedNodeAccounts: config.trustedNodeAccounts,
      hasWorkloadOnNode: (identity, node) => translator.hasWorkloadOnNode(identity, node),
    });
    addCertificateService(server, caService, {
      onResult: (event) => (event.status === 'OK' ? log.debug(event, 'certificate issued') : log.info(event, 'certificate refused')),
    });
    serving = new ServingCertificate(state.ca, config.grpcListen, options.servingTtlSeconds);
    grpc = await listenGrpc(server, serving.credentials(), config.grpcListen);
    ready = undefined;
    log.info({ grpc: grpc.address, debug: debug.address }, 'ambientd ready');
    return {
      grpcAddress: grpc.address,
      debugAddress: debug.address,
      rootPem: state.ca.rootBundlePem,
      configErrors: () => sync.problems(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
