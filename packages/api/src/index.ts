// Every wire contract of the mesh. Names that two proto packages share resolve to istio.workload here;
// reach the others through their subpath (@ambient/api/security, @ambient/api/xds).
export * from './workload.js';
export * from './security.js';
export * from './ca.js';
export * from './xds.js';
export type { Address, Locality } from './workload.js';
export { AddressSchema, LocalitySchema } from './workload.js';
