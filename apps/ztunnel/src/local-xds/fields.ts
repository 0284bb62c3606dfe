// Reads the plain values of a local xDS file (Istio's LOCAL_XDS_PATH) field by field, collecting every problem with
// the path of the field it is about (`workloads[1].workloadIps[0]: "1.2.3" is not an IP address`), so one start
// reports all of them.
import { parseCidr, parseIp, type IpAddress } from '@ambient/l4-authz';

export type Mapping = Readonly<Record<string, unknown>>;

/** `workloads[1].services["default/a.com"]`: keys that are not plain names are quoted. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** How a value reads in a message: strings quoted, collections by kind. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export class FieldReader {
  readonly problems: string[] = [];

  problem(path: string, text: string): void {
    this.problems.push(`${path}: ${text}`);
  }

  /** A mapping whose keys are all in `allowed` (camelCase, as ztunnel's serde names them); undefined when absent. */
  mapping(value: unknown, path: string, allowed: readonly string[]): Mapping | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, `must be a mapping, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.problem(fieldPath(path, key), `unknown field; expected one of ${allowed.join(', ')}`);
    }
    return value as Mapping;
  }

  /** A mapping with keys of the caller's choosing (services by name, ports by number). */
  keyed(value: unknown, path: string): Mapping {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, `must be a mapping, got ${describe(value)}`);
      return {};
    }
    return value as Mapping;
  }

  list(value: unknown, path: string): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.problem(path, `must be a list, got ${describe(value)}`);
    return [];
  }

  string(value: unknown, path: string): string {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    this.problem(path, `must be a string, got ${describe(value)}${typeof value === 'number' || typeof value === 'boolean' ? ' (quote it)' : ''}`);
    return '';
  }

  /** A string that must be there and not be empty. */
  required(value: unknown, path: string): string {
    if (value === undefined || value === null || value === '') {
      this.problem(path, 'is required');
      return '';
    }
    return this.string(value, path);
  }

  bool(value: unknown, path: string): boolean {
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    this.problem(path, `must be true or false, got ${describe(value)}`);
    return false;
  }

  /** A whole number from `min` to `max`; YAML map keys arrive as strings and are read the same way. */
  int(value: unknown, path: string, min: number, max: number, what = 'a whole number'): number | undefined {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(path, `${describe(value)} is not ${what} from ${min} to ${max}`);
      return undefined;
    }
    return n;
  }

  port(value: unknown, path: string): number | undefined {
    return this.int(value, path, 0, 65535, 'a port');
  }

  /** One of an enum's names as ztunnel's serde spells them (`HBONE`, `Healthy`, `Allow`), to its wire value. */
  oneOf<T>(value: unknown, path: string, names: Readonly<Record<string, T>>): T | undefined {
    if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value];
    this.problem(path, `${describe(value)} is not one of ${Object.keys(names).join(', ')}`);
    return undefined;
  }

  ip(value: unknown, path: string): Uint8Array | undefined {
    const ip = typeof value === 'string' ? parseIp(value) : undefined;
    if (ip === undefined) {
      this.problem(path, `${describe(value)} is not an IP address`);
      return undefined;
    }
    return ipBytes(ip);
  }

  /** `10.0.0.0/8` or `2001:db8::/32` (ipnet's text form: the prefix length is required). */
  cidr(value: unknown, path: string): { address: Uint8Array; length: number } | undefined {
    const cidr = typeof value === 'string' && value.includes('/') ? parseCidr(value) : undefined;
    if (cidr === undefined) {
      this.problem(path, `${describe(value)} is not an IP range such as 10.0.0.0/8 or 2001:db8::/32`);
      return undefined;
    }
    return { address: ipBytes(cidr), length: cidr.prefix };
  }

  /** `network/IP` (ztunnel's NetworkAddress text; `/10.0.0.1` is on the default network). */
  networkAddress(value: unknown, path: string): { network: string; address: Uint8Array } | undefined {
    const slash = typeof value === 'string' ? value.indexOf('/') : -1;
    const ip = slash >= 0 ? parseIp((value as string).slice(slash + 1)) : undefined;
    if (ip === undefined) {
      this.problem(path, `${describe(value)} is not "network/IP" (for the default network "/10.0.0.1")`);
      return undefined;
    }
    return { network: (value as string).slice(0, slash), address: ipBytes(ip) };
  }
}

function ipBytes(ip: IpAddress): Uint8Array {
  const bytes = new Uint8Array(ip.words.length * 4);
  ip.words.forEach((w, i) => bytes.set([w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff], i * 4));
  return bytes;
}
