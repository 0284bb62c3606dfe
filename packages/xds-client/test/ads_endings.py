"""A delta ADS server in Python grpcio (not our code) that ends its streams in each way ztunnel's xDS metrics tell apart.

Usage: ads_endings.py PROTO_DIR CERT KEY. Prints {"port": N}, then one JSON line per stream as it sends its response:
{"stream": i, "typeUrl": ..., "bytes": the resources' encoded bodies}. Stream i sends i Address resources, then:
1 returns (status OK); 2 aborts with PERMISSION_DENIED; 3 aborts with UNKNOWN; 4 aborts with UNAUTHENTICATED before
sending anything (no response headers: trailers-only); 5 and later stay open. Stops when stdin closes.
"""
import itertools, json

from ads_harness import serve  # first: it puts the protoc-generated modules on sys.path
import grpc
from envoy.service.discovery.v3 import discovery_pb2
from istio.workload import workload_pb2

ADDRESS = 'type.googleapis.com/istio.workload.Address'
streams = itertools.count(1)


def resource(i):
    address = workload_pb2.Address()
    address.workload.uid = f'Kubernetes//Pod/default/w{i}'
    address.workload.name = f'w{i}'
    address.workload.namespace = 'default'
    address.workload.addresses.append(bytes([10, 0, 0, i]))
    r = discovery_pb2.Resource(name=address.workload.uid, version='v1')
    r.resource.Pack(address)
    return r


def ads(requests, context):
    n = next(streams)
    next(requests)  # the client's first subscription
    if n == 4:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, 'stream 4: token refused')
    response = discovery_pb2.DeltaDiscoveryResponse(type_url=ADDRESS, nonce=f'py-{n}', resources=[resource(i) for i in range(1, n + 1)])
    print(json.dumps({'stream': n, 'typeUrl': ADDRESS, 'bytes': sum(len(r.resource.value) for r in response.resources)}), flush=True)
    yield response
    if n == 1:
        return
    if n == 2:
        context.abort(grpc.StatusCode.PERMISSION_DENIED, 'stream 2: not allowed')
    if n == 3:
        context.abort(grpc.StatusCode.UNKNOWN, 'stream 3: server restarting')
    for _ in requests:  # ACKs; the stream stays open until the client goes
        pass


serve(ads, workers=8)
