// @ambient/l4-authz/yaml: AuthorizationPolicy and PeerAuthentication YAML (security.istio.io/v1, v1beta1) to the
// istio.security.Authorization resources istiod sends ztunnel, with located errors and istiod's notices.
export { DEFAULT_ROOT_NAMESPACE, formatNotice, translatePolicyFiles, translatePolicyYaml, workloadPolicyKeys } from './translate.js';
export type { PolicyFile, PolicyNotice, SourceRef, TranslatedPolicy, TranslateOptions, Translation } from './translate.js';
export { DRY_RUN_ANNOTATION } from './authorization-policy.js';
export { CONVERTED_PEER_AUTHENTICATION_PREFIX, STATIC_STRICT_POLICY_NAME } from './peer-authentication.js';
export type { MtlsMode, PeerAuthenticationObject, PeerAuthenticationSpec } from './peer-authentication.js';
export { SUPPORTED_API_VERSIONS } from './objects.js';
export type { ObjectHeader, PolicyKind } from './objects.js';
