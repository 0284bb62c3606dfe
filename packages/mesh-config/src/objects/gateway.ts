// gateway.networking.k8s.io Gateway of class istio-waypoint: only where a waypoint is reached (its address and HBONE
// port) matters to ztunnel; running the waypoint is a later issue.
import type { Fields, FieldPath } from '../fields.js';
import { readIp } from '../ip.js';
import type { GatewayObject } from './model.js';

export const WAYPOINT_CLASS = 'istio-waypoint';
/** Istio's HBONE port, used when no HBONE listener names another. */
export const HBONE_PORT = 15008;

const FIELDS = ['gatewayClassName', 'listeners', 'addresses', 'infrastructure', 'backendTLS', 'allowedListeners'];
const LISTENER_FIELDS = ['name', 'hostname', 'port', 'protocol', 'tls', 'allowedRoutes'];

export type GatewaySpec = Pick<GatewayObject, 'address' | 'hbonePort'>;

export function readGatewaySpec(value: unknown, f: Fields): GatewaySpec | undefined {
  const before = f.problems.length;
  const spec = f.mapping(value, ['spec'], FIELDS);
  if (spec === undefined) {
    if (value === undefined || value === null) f.add('CONFIG_ERR_MISSING_FIELD', ['spec'], 'is required');
    return undefined;
  }
  const className = f.required(spec['gatewayClassName'], ['spec', 'gatewayClassName']);
  if (className !== undefined && className !== WAYPOINT_CLASS) {
    f.add('CONFIG_ERR_INVALID_FIELD', ['spec', 'gatewayClassName'], `"${className}" is not served: ambientd reads only Gateways of class ${WAYPOINT_CLASS}`);
  }
  const hbonePort = readListeners(spec['listeners'], f);
  const address = readAddress(spec['addresses'], f);
  if (f.problems.length > before) return undefined;
  return { ...(address === undefined ? {} : { address }), hbonePort };
}

function readListeners(value: unknown, f: Fields): number {
  const path: FieldPath = ['spec', 'listeners'];
  const listeners = f.list(value, path);
  if (listeners.length === 0) f.add('CONFIG_ERR_MISSING_FIELD', path, 'at least one listener is required');
  let hbone: number | undefined;
  listeners.forEach((l, i) => {
    const listener = f.mapping(l, [...path, i], LISTENER_FIELDS);
    if (listener === undefined) return;
    f.required(listener['name'], [...path, i, 'name']);
    const port = f.port(listener['port'], [...path, i, 'port']);
    if (port === undefined && listener['port'] === undefined) f.add('CONFIG_ERR_MISSING_FIELD', [...path, i, 'port'], 'is required');
    const protocol = f.required(listener['protocol'], [...path, i, 'protocol']);
    if (protocol === 'HBONE' && hbone === undefined) hbone = port;
  });
  return hbone ?? HBONE_PORT;
}

function readAddress(value: unknown, f: Fields): GatewaySpec['address'] {
  const path: FieldPath = ['spec', 'addresses'];
  const addresses = f.list(value, path).map((a, i) => {
    const entry = f.mapping(a, [...path, i], ['type', 'value']);
    const type = f.string(entry?.['type'], [...path, i, 'type']) ?? 'IPAddress';
    if (type === 'Hostname') {
      const hostname = f.required(entry?.['value'], [...path, i, 'value']);
      return hostname === undefined ? undefined : { hostname };
    }
    if (type !== 'IPAddress') {
      f.add('CONFIG_ERR_INVALID_FIELD', [...path, i, 'type'], `"${type}" is not supported; use IPAddress or Hostname`);
      return undefined;
    }
    const ip = readIp(entry?.['value'], [...path, i, 'value'], f);
    return ip === undefined ? undefined : { ip };
  });
  return addresses[0];
}
