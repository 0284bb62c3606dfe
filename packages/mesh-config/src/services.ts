// ServiceEntry → one istio.workload.Service per host, named '<namespace>/<hostname>' as istiod names them.
import { create } from '@bufbuild/protobuf';
import { AddressSchema, AppProtocol, Service_Visibility, type Address } from '@ambient/api/workload';
import type { ServiceEntryObject } from './objects/model.js';
import type { Waypoints } from './waypoints.js';

export function buildServices(se: ServiceEntryObject, waypoints: Waypoints): Map<string, Address> {
  const { namespace, name, labels, key } = se.envelope;
  const waypoint = waypoints.find({ key, namespace, labels, source: se.source }, 'service');
  const addresses = se.vips.map((v) => ({ network: '', address: v.bytes, ...(v.length === undefined ? {} : { length: v.length }) }));
  const ports = se.ports.map((p) => ({ servicePort: p.number, targetPort: p.targetPort ?? 0, appProtocol: AppProtocol[p.appProtocol] }));
  const out = new Map<string, Address>();
  for (const hostname of se.hosts) {
    out.set(`${namespace}/${hostname}`, create(AddressSchema, {
      type: {
        case: 'service',
        value: {
          name, namespace, hostname, addresses, ports, subjectAltNames: [...se.subjectAltNames],
          ...(waypoint === undefined ? {} : { waypoint: waypoint.address }),
          visibility: se.namespaceOnly ? Service_Visibility.NAMESPACE : Service_Visibility.PUBLIC,
        },
      },
    }));
  }
  return out;
}
