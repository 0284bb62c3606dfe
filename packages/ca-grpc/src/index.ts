// @ambient/ca-grpc: Istio's CA API over gRPC: the CreateCertificate service a control plane mounts and the client node proxies call.
export { CaGrpcError } from './errors.js';
export type { CaGrpcErrorCode } from './errors.js';
export { addCertificateService, certificateServiceHandlers, toCertificateRequest, IMPERSONATED_IDENTITY_KEY } from './server.js';
export type { CertificateServiceOptions } from './server.js';
export { requestClientCertCredentials } from './credentials.js';
export type { CaServerTls } from './credentials.js';
export { CaClient } from './client.js';
export type { CaClientOptions } from './client.js';
