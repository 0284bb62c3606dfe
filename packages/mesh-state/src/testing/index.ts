// @ambient/mesh-state/testing: Address builders and a store filled from them, for tests of code that reads the store.
export { batch, ipBytes, nameOf, service, unknownEnum, waypointAt, waypointByHost, workload } from './builders.js';
export type { ServiceInit, WorkloadInit } from './builders.js';
export { meshOf } from './mesh-of.js';
