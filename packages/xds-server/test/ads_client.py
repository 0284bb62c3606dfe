"""A delta ADS client in Python grpcio (not our code): syncs Address resources, ACKs, NACKs legacy-mTLS workloads.

Usage: ads_client.py PROTO_DIR ADDRESS ROOT_CERT RESPONSES. Prints one JSON line per response; after RESPONSES it
keeps the stream open until stdin closes, so the server can still see its last ACK/NACK.
Message classes come from protoc at run time; the stream uses grpcio's generic API (Debian's grpc_tools is too old
to parse proto3 `optional`).
"""
import json, queue, subprocess, sys, tempfile

proto_dir, address, root_cert, wanted = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = tempfile.mkdtemp()
subprocess.run(['protoc', '-I', proto_dir, '-I', '/usr/include', '--python_out', out, 'envoy/service/discovery/v3/discovery.proto',
                'envoy/config/core/v3/base.proto', 'google/rpc/status.proto', 'istio/workload/workload.proto'], check=True)
sys.path.insert(0, out)

import grpc  # noqa: E402
from envoy.service.discovery.v3 import discovery_pb2  # noqa: E402
from istio.workload import workload_pb2  # noqa: E402

ADDRESS = 'type.googleapis.com/istio.workload.Address'
channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(open(root_cert, 'rb').read()))
call = channel.stream_stream('/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
                             request_serializer=discovery_pb2.DeltaDiscoveryRequest.SerializeToString,
                             response_deserializer=discovery_pb2.DeltaDiscoveryResponse.FromString)
requests = queue.Queue()
opener = discovery_pb2.DeltaDiscoveryRequest(type_url=ADDRESS)
opener.node.id = 'ztunnel~10.0.0.7~py.istio-system~istio-system.svc.cluster.local'
requests.put(opener)

responses = call(iter(requests.get, None), metadata=[('authorization', 'Bearer py-token'), ('clusterid', 'Kubernetes')])
for count, response in enumerate(responses, 1):
    problems, workloads = [], {}
    for r in response.resources:
        address = workload_pb2.Address()
        r.resource.Unpack(address)
        w = address.workload
        if w.tunnel_protocol == workload_pb2.LEGACY_ISTIO_MTLS:
            problems.append(f'{r.name}: unsupported tunnel protocol LEGACY_ISTIO_MTLS')
        workloads[r.name] = {'version': r.version, 'ip': '.'.join(str(b) for b in w.addresses[0]) if w.addresses else ''}
    ack = discovery_pb2.DeltaDiscoveryRequest(type_url=response.type_url, response_nonce=response.nonce)
    if problems:
        ack.error_detail.code = 3
        ack.error_detail.message = '; '.join(problems)
    requests.put(ack)
    print(json.dumps({'nonce': response.nonce, 'typeUrl': response.type_url, 'workloads': workloads,
                      'removed': list(response.removed_resources), 'nacked': bool(problems)}), flush=True)
    if count >= wanted:
        break
sys.stdin.read()
requests.put(None)
channel.close()
