"""A delta ADS server in Python grpcio (not our code) that serves Address resources to our client.

Usage: ads_server.py PROTO_DIR CERT KEY. Prints {"port": N}, then one JSON line per request it receives; serves
w1, w2 and a LEGACY_ISTIO_MTLS workload, and after the client answers that, changes w1 and removes w2. Stops when
stdin closes. Message classes come from protoc at run time (ads_harness.py).
"""
import json

from ads_harness import serve  # first: it puts the protoc-generated modules on sys.path
from google.protobuf import json_format
from envoy.service.discovery.v3 import discovery_pb2
from istio.workload import workload_pb2

ADDRESS = 'type.googleapis.com/istio.workload.Address'


def resource(name, ip, version, legacy=False):
    address = workload_pb2.Address()
    address.workload.uid = name
    address.workload.name = name
    address.workload.addresses.append(bytes(int(x) for x in ip.split('.')))
    if legacy:
        address.workload.tunnel_protocol = workload_pb2.LEGACY_ISTIO_MTLS
    r = discovery_pb2.Resource(name=name, version=version)
    r.resource.Pack(address)
    return r


def ads(requests, context):
    md = dict(context.invocation_metadata())
    for req in requests:
        print(json.dumps({
            'typeUrl': req.type_url, 'nonce': req.response_nonce,
            'error': req.error_detail.message if req.HasField('error_detail') else None,
            'subscribe': list(req.resource_names_subscribe), 'unsubscribe': list(req.resource_names_unsubscribe),
            'initial': dict(req.initial_resource_versions), 'nodeId': req.node.id,
            'metadata': json_format.MessageToDict(req.node.metadata),
            'authorization': md.get('authorization'), 'clusterid': md.get('clusterid'), 'tenant': md.get('x-tenant'),
        }), flush=True)
        if req.type_url != ADDRESS:
            if not req.response_nonce:
                yield discovery_pb2.DeltaDiscoveryResponse(type_url=req.type_url, nonce='py-other')
        elif not req.response_nonce:
            yield discovery_pb2.DeltaDiscoveryResponse(type_url=ADDRESS, nonce='py-1', resources=[
                resource('w1', '10.0.0.1', 'v1'), resource('w2', '10.0.0.2', 'v1'), resource('legacy', '10.0.0.3', 'v1', True)])
        elif req.response_nonce == 'py-1':
            yield discovery_pb2.DeltaDiscoveryResponse(type_url=ADDRESS, nonce='py-2', resources=[resource('w1', '10.0.0.11', 'v2')],
                                                       removed_resources=['w2'])


serve(ads)
