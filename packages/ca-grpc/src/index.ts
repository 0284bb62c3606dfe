// @ambient/ca-grpc: Istio's CA API over gRPC: the CreateCertificate service a control plane mounts and the client node proxies call.
export {};
