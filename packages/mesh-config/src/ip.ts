// IP literals and CIDR ranges from YAML to the bytes the workload API carries (4 or 16 per address).
import { formatIp, parseCidr, parseIp, type IpAddress } from '@ambient/l4-authz';
import type { FieldPath, Fields } from './fields.js';

export interface Ip {
  readonly bytes: Uint8Array;
  /** Canonical text, the key for conflicts ('127.0.0.1', '::1'). */
  readonly text: string;
}

export interface Vip extends Ip {
  /** Present when the YAML gave a CIDR ('127.96.0.0/24'), as NetworkAddress.length. */
  readonly length?: number;
  /** '127.96.0.0/24' or '127.96.0.10': the key for VIP conflicts. */
  readonly key: string;
}

function toBytes(ip: IpAddress): Uint8Array {
  const bytes = new Uint8Array(ip.words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ip.words.length; i++) view.setUint32(i * 4, ip.words[i] ?? 0);
  return bytes;
}

/** An IP literal; reports CONFIG_ERR_BAD_ADDRESS (or BAD_CIDR when a range is given where one address is needed). */
export function readIp(value: unknown, path: FieldPath, f: Fields): Ip | undefined {
  const text = f.required(value, path);
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  if (ip === undefined) {
    f.add(text.includes('/') ? 'CONFIG_ERR_BAD_CIDR' : 'CONFIG_ERR_BAD_ADDRESS', path, `"${text}" is not an IP address${text.includes('/') ? ': a range is not allowed here' : ''}`);
    return undefined;
  }
  return { bytes: toBytes(ip), text: formatIp(ip) };
}

/** An IP or CIDR as a service VIP. */
export function readVip(value: unknown, path: FieldPath, f: Fields): Vip | undefined {
  const text = f.required(value, path);
  if (text === undefined) return undefined;
  if (!text.includes('/')) {
    const ip = readIp(text, path, f);
    return ip === undefined ? undefined : { ...ip, key: ip.text };
  }
  const cidr = parseCidr(text);
  if (cidr === undefined) {
    f.add('CONFIG_ERR_BAD_CIDR', path, `"${text}" is not a CIDR range (an address and a prefix length within its family)`);
    return undefined;
  }
  const ip = { family: cidr.family, words: cidr.words };
  return { bytes: toBytes(ip), text: formatIp(ip), length: cidr.prefix, key: cidr.text };
}

/** The workload API's address bytes (4 or 16) as text: dotted quad, or IPv6 in RFC 5952 form; '' for any other length. */
export function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return '';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return formatIp({ family: 6, words: [0, 4, 8, 12].map((i) => view.getUint32(i)) });
}
