"""What the Python ADS servers of these tests share: protoc-generated message classes, and a grpcio server over TLS
that serves one delta ADS handler, prints {"port": N} and stops when stdin closes. Arguments: PROTO_DIR CERT KEY.
"""
import json, subprocess, sys, tempfile
from concurrent import futures

PROTO_DIR, CERT, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
_out = tempfile.mkdtemp()
subprocess.run(['protoc', '-I', PROTO_DIR, '-I', '/usr/include', '--python_out', _out, 'envoy/service/discovery/v3/discovery.proto',
                'envoy/config/core/v3/base.proto', 'google/rpc/status.proto', 'istio/workload/workload.proto'], check=True)
sys.path.insert(0, _out)

import grpc  # noqa: E402
from envoy.service.discovery.v3 import discovery_pb2  # noqa: E402


def serve(ads, workers=4):
    """Runs `ads(requests, context)` as DeltaAggregatedResources (grpcio's generic handlers: Debian's grpc_tools is
    too old to parse proto3 `optional`) until stdin closes."""
    handler = grpc.method_handlers_generic_handler('envoy.service.discovery.v3.AggregatedDiscoveryService', {
        'DeltaAggregatedResources': grpc.stream_stream_rpc_method_handler(
            ads, request_deserializer=discovery_pb2.DeltaDiscoveryRequest.FromString,
            response_serializer=discovery_pb2.DeltaDiscoveryResponse.SerializeToString)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_secure_port('127.0.0.1:0', grpc.ssl_server_credentials([(open(KEY, 'rb').read(), open(CERT, 'rb').read())]))
    server.start()
    print(json.dumps({'port': port}), flush=True)
    sys.stdin.read()
    server.stop(0)
