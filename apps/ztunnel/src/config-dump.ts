// /config_dump in the shape ztunnel uses: workloads, services, policies, certificates and open connections as JSON lists,
// staged endpoints (stagedServices) as ztunnel's map.
import type { MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import type { Policy } from '@ambient/l4-authz';
import type { CertificateDump } from './certificates.js';
import type { ConnectionDump } from './connections.js';
import type { ZtunnelConfig } from './config.js';
import { stagedServicesJson, type StagedServicesJson } from './config-dump-staged.js';

export interface ConfigDump {
  /** Build information, as ztunnel's `version` (its BuildInfo: version and the Istio version it speaks for). */
  readonly version: { readonly version: string; readonly istioVersion: string };
  /** With --local-xds-path / --local-xds: that config as written (ztunnel's `staticConfig`), else null. */
  readonly staticConfig: Readonly<Record<string, unknown>> | null;
  readonly workloads: Record<string, unknown>[];
  readonly services: Record<string, unknown>[];
  readonly policies: unknown[];
  /** Endpoints whose service has not arrived yet, by service then workload uid (ztunnel's `stagedServices`). */
  readonly stagedServices: StagedServicesJson;
  readonly certificates: readonly CertificateDump[];
  readonly connections: readonly ConnectionDump[];
  readonly config: Record<string, unknown>;
}

/** What /config_dump shows besides the state: build information and the local config, if any. */
export interface ConfigDumpExtras {
  readonly version: string;
  readonly staticConfig?: Readonly<Record<string, unknown>>;
}

export function configDump(state: MeshState, certificates: readonly CertificateDump[], config: ZtunnelConfig, connections: readonly ConnectionDump[] = [], extras: ConfigDumpExtras = { version: '' }): ConfigDump {
  const { workloads, services } = state.snapshot();
  return {
    version: { version: extras.version, istioVersion: extras.version },
    staticConfig: extras.staticConfig ?? null,
    workloads: workloads.map(workloadJson),
    services: services.map(serviceJson),
    policies: state.policies.all().map(policyJson),
    stagedServices: stagedServicesJson(state),
    certificates,
    connections,
    config: { ...config },
  };
}

function workloadJson(w: WorkloadRecord): Record<string, unknown> {
  const { services, ...rest } = w;
  return {
    ...rest,
    services: Object.fromEntries([...services].map(([key, ports]) => [key, Object.fromEntries(ports.map((p) => [String(p.servicePort), p.targetPort]))])),
  };
}

function serviceJson(s: ServiceRecord): Record<string, unknown> {
  return {
    ...s,
    vips: s.vips.map((v) => `${v.network}/${v.ip}${v.prefixLength === undefined ? '' : `/${v.prefixLength}`}`),
    ports: Object.fromEntries(s.ports.map((p) => [String(p.servicePort), p.targetPort])),
  };
}

/** A policy as plain data (its compiled matcher is private and not enumerable). */
function policyJson(p: Policy): unknown {
  return JSON.parse(JSON.stringify(p)) as unknown;
}
