// @ambient/l4-authz/xds: the edge between istio.security.Authorization on the wire and the domain model.
export { fromXdsAuthorization, fromXdsAuthorizations } from './convert.js';
export type { XdsConversion, XdsRejection } from './convert.js';
