// ServiceEntry → one istio.workload.Service per host, named '<namespace>/<hostname>' as istiod names them.
import { create } from '@bufbuild/protobuf';
import { AddressSchema, AppProtocol, Service_Visibility, type Address, type GatewayAddress } from '@ambient/api/workload';
import type { AddressMemo } from './memo.js';
import type { ServiceEntryObject } from './objects/model.js';
import type { Waypoints } from './waypoints.js';

export function buildServices(se: ServiceEntryObject, waypoints: Waypoints, memo: AddressMemo): Map<string, Address> {
  const { namespace, labels, key } = se.envelope;
  const waypoint = waypoints.find({ key, namespace, labels, source: se.source }, 'service');
  const out = new Map<string, Address>();
  for (const hostname of se.hosts) {
    const resource = `${namespace}/${hostname}`;
    out.set(resource, memo.get(resource, [se, waypoint?.gateway], () => buildService(se, hostname, waypoint?.address)));
  }
  return out;
}

function buildService(se: ServiceEntryObject, hostname: string, waypoint: GatewayAddress | undefined): Address {
  const { namespace, name } = se.envelope;
  const addresses = se.vips.map((v) => ({ network: '', address: v.bytes, ...(v.length === undefined ? {} : { length: v.length }) }));
  const ports = se.ports.map((p) => ({ servicePort: p.number, targetPort: p.targetPort ?? 0, appProtocol: AppProtocol[p.appProtocol] }));
  return create(AddressSchema, {
    type: {
      case: 'service',
      value: {
        name, namespace, hostname, addresses, ports, subjectAltNames: [...se.subjectAltNames],
        ...(waypoint === undefined ? {} : { waypoint }),
        visibility: se.namespaceOnly ? Service_Visibility.NAMESPACE : Service_Visibility.PUBLIC,
      },
    },
  });
}
