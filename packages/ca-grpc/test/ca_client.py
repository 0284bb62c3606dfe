"""A CreateCertificate client written with Python grpcio: a peer we did not write, for the interop test.

Usage: ca_client.py STUB_DIR ADDRESS ROOT_PEM CSR_PEM TOKEN IMPERSONATED_IDENTITY
Prints one JSON object: {"chain": [...]} or {"code": "...", "details": "..."}.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402
from istio.v1.auth import ca_pb2, ca_pb2_grpc  # noqa: E402

_, _, address, root_path, csr_path, token, impersonated = sys.argv
with open(root_path, 'rb') as f:
    creds = grpc.ssl_channel_credentials(root_certificates=f.read())
with open(csr_path) as f:
    csr = f.read()
metadata = struct_pb2.Struct()
if impersonated:
    metadata.update({'ImpersonatedIdentity': impersonated})
channel = grpc.secure_channel(address, creds, options=[('grpc.ssl_target_name_override', 'localhost')])
stub = ca_pb2_grpc.IstioCertificateServiceStub(channel)
try:
    response = stub.CreateCertificate(
        ca_pb2.IstioCertificateRequest(csr=csr, validity_duration=7200, metadata=metadata),
        metadata=[('authorization', 'Bearer ' + token)] if token else [],
        timeout=10,
    )
    print(json.dumps({'chain': list(response.cert_chain)}))
except grpc.RpcError as err:
    print(json.dumps({'code': err.code().name, 'details': err.details()}))
