// @ambient/mesh-config: Istio's config kinds as YAML text → the istio.workload.Address and istio.security.Authorization
// resources istiod sends ztunnel, with every rejected object located and its last good version kept.
export { DEFAULT_MESH_CONFIG_OPTIONS, MeshConfig } from './mesh-config.js';
export type { ConfigFile, ConfigProblem, MeshConfigOptions, TranslatedConfig } from './types.js';
export { formatProblem, PROBLEM_CODES } from './problems.js';
export type { ProblemCode } from './problems.js';
export { MeshConfigError } from './errors.js';
export type { MeshConfigErrorCode } from './errors.js';
export type { Configz } from './configz.js';
export { DATAPLANE_MODE_LABEL, NODE_LABEL, serviceEntryEndpointUid, TUNNEL_LABEL, workloadEntryUid } from './workloads.js';
export { USE_WAYPOINT_LABEL, USE_WAYPOINT_NAMESPACE_LABEL, WAYPOINT_FOR_LABEL } from './waypoints.js';
export { HBONE_PORT, WAYPOINT_CLASS } from './objects/gateway.js';
export { readConfigObjects } from './read.js';
export { ipText } from './ip.js';
export type { Envelope, Kind } from './envelope.js';
export type {
  ConfigObject, GatewayObject, HostAddress, NamespaceObject, PolicyObject, Resolution, ServiceEntryObject, Source, WorkloadEntryObject, WorkloadSpec,
} from './objects/model.js';
