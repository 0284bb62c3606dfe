// @ambient/xds-client: Delta ADS client: resource types, watchers, ACK/NACK, reconnect, on-demand lookups.
export { XdsClient } from './client.js';
export type { BatchHandler, ConnectionState, TypeRegistration, XdsClientOptions } from './client.js';
export type { Watcher } from './type-state.js';
export { resourceBytes, terminationReason } from './observer.js';
export type { TerminationReason, XdsObserver } from './observer.js';
export type { Batch, ResourceChange } from './response.js';
export { nackMessage } from './response.js';
export type { DecodeResult, ResourceType, ValueOf } from './resource-type.js';
export { addressType, authorizationType, addressProblem, unpackAny } from './istio-types.js';
export { buildNode, nodeId, metadataFromEnv } from './node.js';
export type { NodeOptions } from './node.js';
export { Backoff, retriesImmediately } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { XdsClientError } from './errors.js';
export type { XdsClientErrorCode } from './errors.js';
