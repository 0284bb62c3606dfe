// @ambient/mesh-state/testing: Address builders and a store filled from them, for tests of code that reads the store.
export { authorization, batch, ipBytes, nameOf, service, unknownEnum, waypointAt, waypointByHost, workload } from './builders.js';
export type { AuthorizationInit, ServiceInit, WorkloadInit } from './builders.js';
export { meshOf } from './mesh-of.js';
