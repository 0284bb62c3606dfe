// istio.v1.auth: Istio's certificate service (CreateCertificate).
export * from './gen/istio/v1/auth/ca_pb.js';

/** Full gRPC method path of CreateCertificate. */
export const CREATE_CERTIFICATE_METHOD = '/istio.v1.auth.IstioCertificateService/CreateCertificate';
