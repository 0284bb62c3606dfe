// istio.security: the L4 Authorization resource.
export * from './gen/istio/security/authorization_pb.js';

/** Type URL of the Authorization resource on the delta ADS stream. */
export const AUTHORIZATION_TYPE_URL = 'type.googleapis.com/istio.security.Authorization';
