// @ambient/mesh-state: the indexed workload, service and policy store fed by xDS, shared by ztunnel and the waypoint.
export { MeshState } from './mesh-state.js';
export type { StateListener } from './mesh-state.js';
export { MeshStateError } from './errors.js';
export type { MeshStateErrorCode } from './errors.js';
export { spiffeId } from './model.js';
export type {
  ApplicationTunnel, GatewayRef, LoadBalancingMode, Locality, LocalityScope, NetworkIp, PortMapping, Rejection, ServiceIpFamilies, ServiceRecord, ServiceVisibility,
  StateChange, WeightedWaypoint, WorkloadRecord,
} from './model.js';
