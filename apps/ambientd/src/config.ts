// ambientd's one frozen config, read from an env-like map of flags (keyed '--flag') and environment variables.
import { ConfigReader, type EnvMap, type HostPort } from '@ambient/core';

export interface AmbientdConfig {
  /** YAML directory, watched. */
  readonly configDir: string;
  /** CA material (Istio plug-in layout) and the token key. */
  readonly stateDir: string;
  readonly grpcListen: HostPort;
  readonly debugListen: HostPort;
  readonly clusterId: string;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  /** `<namespace>/<serviceAccount>` allowed to impersonate workloads on their node. */
  readonly trustedNodeAccounts: readonly string[];
}

/** The state directory when neither --state-dir nor AMBIENT_STATE_DIR says otherwise (CONTRACTS.md). */
export const DEFAULT_STATE_DIR = './.ambient/state';

/** `--state-dir`, else `$AMBIENT_STATE_DIR`, else ./.ambient/state: shared with `create-token`. */
export function stateDirFrom(env: EnvMap): string {
  const pick = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  return pick(env['--state-dir']) ?? pick(env['AMBIENT_STATE_DIR']) ?? DEFAULT_STATE_DIR;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ACCOUNT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** Parses and checks every setting, naming all bad ones in one ConfigError. */
export function readAmbientdConfig(env: EnvMap): AmbientdConfig {
  const r = new ConfigReader(env);
  const configDir = r.string('--config');
  const rootNamespace = r.string('--root-namespace', 'istio-system');
  if (!NAME.test(rootNamespace)) r.problem(`--root-namespace must be a Kubernetes namespace name, got "${rootNamespace}"`);
  const trustDomain = r.string('--trust-domain', 'cluster.local');
  if (!/^[a-z0-9._-]+$/.test(trustDomain)) r.problem(`--trust-domain must be lower-case letters, digits, '.', '-' or '_', got "${trustDomain}"`);
  const trustedNodeAccounts = r.list('--trusted-node-accounts', ['istio-system/ztunnel']);
  for (const account of trustedNodeAccounts) {
    if (!ACCOUNT.test(account)) r.problem(`--trusted-node-accounts entries must be NAMESPACE/SERVICE_ACCOUNT, got "${account}"`);
  }
  return r.done({
    configDir,
    stateDir: stateDirFrom(env),
    grpcListen: r.hostPort('--grpc-listen', '127.0.0.1:15012'),
    debugListen: r.hostPort('--debug-listen', '127.0.0.1:15014'),
    clusterId: r.string('--cluster-id', 'Kubernetes'),
    trustDomain,
    rootNamespace,
    trustedNodeAccounts,
  });
}
