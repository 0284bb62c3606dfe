// Builders of istio.workload Address messages in one line each, for tests of anything that reads a MeshState.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AddressSchema, GatewayAddressSchema, ServiceSchema, TunnelProtocol, WorkloadSchema, type Address, type GatewayAddress, type Service,
  type Workload,
} from '@ambient/api/workload';
import { AuthorizationSchema, type Authorization } from '@ambient/api/security';

/** A dotted quad or an IPv6 literal (with or without '::', no embedded IPv4) to wire bytes. */
export function ipBytes(ip: string): Uint8Array {
  if (!ip.includes(':')) return new Uint8Array(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

export type WorkloadInit = Exclude<MessageInitShape<typeof WorkloadSchema>, Workload>;
export type ServiceInit = Exclude<MessageInitShape<typeof ServiceSchema>, Service>;

/** An enum value the schema does not define, as a peer with a newer proto (or a broken one) could send. */
export const unknownEnum = <E>(value: number): E => value as E;

/** A pod-like HBONE workload 'Kubernetes//Pod/<ns>/<name>' at `ip`; `init` overrides any field. */
export function workload(name: string, ip: string | undefined, init: Partial<WorkloadInit> = {}): Address {
  const namespace = init.namespace ?? 'default';
  return create(AddressSchema, {
    type: {
      case: 'workload',
      value: create(WorkloadSchema, {
        uid: `Kubernetes//Pod/${namespace}/${name}`,
        name,
        namespace,
        addresses: ip === undefined ? [] : [ipBytes(ip)],
        tunnelProtocol: TunnelProtocol.HBONE,
        node: 'node-a',
        ...init,
      }),
    },
  });
}

export function service(name: string, vip: string | undefined, init: Partial<ServiceInit> = {}): Address {
  const namespace = init.namespace ?? 'default';
  return create(AddressSchema, {
    type: {
      case: 'service',
      value: create(ServiceSchema, {
        name,
        namespace,
        hostname: `${name}.${namespace}.svc.cluster.local`,
        addresses: vip === undefined ? [] : [{ network: '', address: ipBytes(vip) }],
        ports: [{ servicePort: 80, targetPort: 8080 }],
        ...init,
      }),
    },
  });
}

export function waypointAt(ip: string, network = ''): GatewayAddress {
  return create(GatewayAddressSchema, { destination: { case: 'address', value: { network, address: ipBytes(ip) } }, hboneMtlsPort: 15008 });
}

export function waypointByHost(namespace: string, hostname: string): GatewayAddress {
  return create(GatewayAddressSchema, { destination: { case: 'hostname', value: { namespace, hostname } }, hboneMtlsPort: 15008 });
}

/** The resource name istiod uses: uid for workloads, namespace/hostname for services. */
export function nameOf(a: Address): string {
  if (a.type.case === 'workload') return a.type.value.uid;
  if (a.type.case === 'service') return `${a.type.value.namespace}/${a.type.value.hostname}`;
  throw new Error('address without a type');
}

/** A batch keyed the way istiod names resources. */
export function batch(...addresses: Address[]): Map<string, Address> {
  return new Map(addresses.map((a) => [nameOf(a), a]));
}

export type AuthorizationInit = Exclude<MessageInitShape<typeof AuthorizationSchema>, Authorization>;

/** An istio.security.Authorization from its fields (protobuf defaults otherwise: GLOBAL scope, ALLOW). */
export function authorization(init: AuthorizationInit): Authorization {
  return create(AuthorizationSchema, init);
}
