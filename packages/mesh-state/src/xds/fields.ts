// Field conversions shared by the Workload and Service conversions: address bytes, ports, gateways, enums.
// Each records a problem (path + what is wrong) instead of throwing, so one NACK reason lists every fault.
import { AppProtocol, type GatewayAddress, type NetworkAddress, type Port } from '@ambient/api/workload';
import { formatIp } from '@ambient/l4-authz';
import type { GatewayRef, PortMapping } from '../model.js';

export type Problem = (path: string, text: string) => void;

/** Collects problems; `reason()` is the NACK text, capped so one broken resource cannot flood the detail. */
export class Problems {
  readonly #list: string[] = [];
  readonly add: Problem = (path, text) => void this.#list.push(`${path}: ${text}`);

  get empty(): boolean {
    return this.#list.length === 0;
  }

  reason(): string {
    const shown = this.#list.slice(0, 5);
    if (this.#list.length > 5) shown.push(`and ${this.#list.length - 5} more`);
    return shown.join('; ');
  }
}

/** 4 or 16 address bytes to canonical text; undefined (and a problem) for any other length. */
export function ipText(bytes: Uint8Array, path: string, problem: Problem): string | undefined {
  if (bytes.length !== 4 && bytes.length !== 16) {
    problem(path, `address has ${bytes.length} bytes; expected 4 (IPv4) or 16 (IPv6)`);
    return undefined;
  }
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push((((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>> 0);
  }
  return formatIp({ family: bytes.length === 4 ? 4 : 6, words });
}

export function networkIp(a: NetworkAddress, path: string, problem: Problem): { network: string; ip: string } | undefined {
  const ip = ipText(a.address, `${path}.address`, problem);
  return ip === undefined ? undefined : { network: a.network, ip };
}

/** A port number; `allowZero` for target ports, where 0 means "take the service's". */
export function checkPort(value: number, path: string, problem: Problem, allowZero = false): number {
  if (value > 65535 || (value === 0 && !allowZero)) problem(path, `${value} is not a port from ${allowZero ? 0 : 1} to 65535`);
  return value;
}

export function enumName(value: number, names: Record<number, string>, path: string, problem: Problem): string {
  const name = names[value];
  if (name === undefined) problem(path, `unknown value ${value}; expected ${Object.entries(names).map(([n, s]) => `${s} (${n})`).join(', ')}`);
  return name ?? '';
}

const APP_PROTOCOLS: Record<number, string> = {
  [AppProtocol.UNKNOWN]: 'UNKNOWN', [AppProtocol.HTTP11]: 'HTTP11', [AppProtocol.HTTP2]: 'HTTP2',
  [AppProtocol.GRPC]: 'GRPC', [AppProtocol.TCP]: 'TCP', [AppProtocol.TLS]: 'TLS',
};

export function portMappings(ports: readonly Port[], path: string, problem: Problem): PortMapping[] {
  return ports.map((p, i) =>
    Object.freeze({
      servicePort: checkPort(p.servicePort, `${path}[${i}].servicePort`, problem),
      targetPort: checkPort(p.targetPort, `${path}[${i}].targetPort`, problem, true),
      appProtocol: enumName(p.appProtocol, APP_PROTOCOLS, `${path}[${i}].appProtocol`, problem),
    }),
  );
}

/** A waypoint or network gateway; ztunnel rejects one with no destination ("missing address"). */
export function gatewayRef(g: GatewayAddress | undefined, path: string, problem: Problem): GatewayRef | undefined {
  if (g === undefined) return undefined;
  const hbonePort = checkPort(g.hboneMtlsPort, `${path}.hboneMtlsPort`, problem);
  switch (g.destination.case) {
    case 'address': {
      const a = networkIp(g.destination.value, `${path}.address`, problem);
      return a === undefined ? undefined : Object.freeze({ kind: 'address', ...a, hbonePort });
    }
    case 'hostname': {
      const { namespace, hostname } = g.destination.value;
      if (hostname === '') problem(`${path}.hostname.hostname`, 'must not be empty');
      return Object.freeze({ kind: 'hostname', namespace, hostname, hbonePort });
    }
    default:
      problem(path, 'gateway address has neither an address nor a hostname');
      return undefined;
  }
}
