// Delta aggregated discovery (envoy.service.discovery.v3) with the Node and google.rpc.Status it carries.
export * from './gen/envoy/service/discovery/v3/discovery_pb.js';
export * from './gen/envoy/config/core/v3/base_pb.js';
export * from './gen/google/rpc/status_pb.js';

/** Full gRPC method path of the delta ADS stream. */
export const DELTA_ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
