// /config_dump's `stagedServices`: endpoints whose service has not arrived, in ztunnel's shape (ProxyState's
// staged_services: service `namespace/hostname` → workload uid → Endpoint { workloadUid, port, status }).
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';

export interface StagedEndpointJson {
  readonly workloadUid: string;
  /** Service port → target port, as the workload lists them for this service (JSON object keys are strings). */
  readonly port: Readonly<Record<string, number>>;
  /** ztunnel's HealthStatus as serde writes it. */
  readonly status: 'Healthy' | 'Unhealthy';
}

export type StagedServicesJson = Record<string, Record<string, StagedEndpointJson>>;

export function stagedServicesJson(state: MeshState): StagedServicesJson {
  const out: StagedServicesJson = {};
  for (const [serviceKey, workloads] of state.findStagedEndpoints()) {
    out[serviceKey] = Object.fromEntries(workloads.map((w) => [w.uid, endpointJson(w, serviceKey)]));
  }
  return out;
}

function endpointJson(w: WorkloadRecord, serviceKey: string): StagedEndpointJson {
  const ports = w.services.get(serviceKey) ?? [];
  return {
    workloadUid: w.uid,
    port: Object.fromEntries(ports.map((p) => [String(p.servicePort), p.targetPort])),
    status: w.healthy ? 'Healthy' : 'Unhealthy',
  };
}
