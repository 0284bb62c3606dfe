// istio.workload: Address (Workload | Service) and everything it carries.
export * from './gen/istio/workload/workload_pb.js';

/** Type URL of the Address resource on the delta ADS stream. */
export const ADDRESS_TYPE_URL = 'type.googleapis.com/istio.workload.Address';
