// @ambient/xds-server: Delta ADS server: subscriptions, per-resource versions, pushes, ACK/NACK bookkeeping and sync status.
export { XdsServer } from './server.js';
export type { Authenticate, AuthResult, XdsServerOptions } from './server.js';
export type { SyncStatus } from './connection.js';
export type { SyncState, TypeSyncStatus } from './subscription.js';
export type { AliasedResource, ResourceEntry, ResourceValue } from './resource-store.js';
export { XdsServerError } from './errors.js';
export type { XdsServerErrorCode } from './errors.js';
