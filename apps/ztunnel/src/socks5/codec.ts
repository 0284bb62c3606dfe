// SOCKS5 (RFC 1928) as ztunnel's explicit outbound listener speaks it: no authentication, CONNECT only, IPv4, IPv6
// and domain names. Pure byte parsing and reply encoding; the socket side lives in handshake.ts.
import { isIPv4, isIPv6 } from 'node:net';

export const SOCKS_VERSION = 0x05;
export const METHOD_NO_AUTH = 0x00;
export const METHOD_NONE_ACCEPTABLE = 0xff;

/** Reply codes (RFC 1928 §6) ztunnel uses; CONTRACTS.md maps refusals to them. */
export const Reply = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;
export type ReplyCode = (typeof Reply)[keyof typeof Reply];

export type SocksDestination = { readonly ip: string; readonly port: number } | { readonly hostname: string; readonly port: number };

/** What a parse of the bytes so far gives: more bytes needed, a value and how many bytes it used, or a refusal. */
export type Parsed<T> =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'ok'; readonly value: T; readonly consumed: number }
  | { readonly kind: 'error'; readonly reason: string; readonly reply?: Buffer };

const INCOMPLETE = { kind: 'incomplete' } as const;
/** Domain names in a SOCKS request: DNS labels, as curl's socks5h sends them. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** The method-selection message: VER NMETHODS METHODS… ; the client must offer "no authentication". */
export function parseGreeting(buf: Buffer): Parsed<{ readonly methods: readonly number[] }> {
  if (buf.length < 2) return INCOMPLETE;
  if (buf[0] !== SOCKS_VERSION) return { kind: 'error', reason: `not SOCKS5: version byte 0x${hex(buf[0])}` };
  const count = buf[1] ?? 0;
  if (count === 0) return { kind: 'error', reason: 'greeting offers no authentication methods', reply: methodReply(METHOD_NONE_ACCEPTABLE) };
  if (buf.length < 2 + count) return INCOMPLETE;
  const methods = [...buf.subarray(2, 2 + count)];
  if (!methods.includes(METHOD_NO_AUTH)) {
    return { kind: 'error', reason: `greeting does not offer "no authentication" (offers ${methods.map(hex).join(',')})`, reply: methodReply(METHOD_NONE_ACCEPTABLE) };
  }
  return { kind: 'ok', value: { methods }, consumed: 2 + count };
}

/** The request: VER CMD RSV ATYP DST.ADDR DST.PORT; only CONNECT. */
export function parseRequest(buf: Buffer): Parsed<SocksDestination> {
  if (buf.length < 4) return INCOMPLETE;
  if (buf[0] !== SOCKS_VERSION) return { kind: 'error', reason: `request version byte 0x${hex(buf[0])}, expected 0x05`, reply: reply(Reply.GENERAL_FAILURE) };
  if (buf[2] !== 0x00) return { kind: 'error', reason: `reserved byte 0x${hex(buf[2])}, expected 0x00`, reply: reply(Reply.GENERAL_FAILURE) };
  const addressType = buf[3];
  let end: number;
  let host: { ip: string } | { hostname: string };
  switch (addressType) {
    case 0x01:
      end = 4 + 4;
      if (buf.length < end + 2) return INCOMPLETE;
      host = { ip: [...buf.subarray(4, end)].join('.') };
      break;
    case 0x04:
      end = 4 + 16;
      if (buf.length < end + 2) return INCOMPLETE;
      host = { ip: formatIpv6(buf.subarray(4, end)) };
      break;
    case 0x03: {
      if (buf.length < 5) return INCOMPLETE;
      const length = buf[4] ?? 0;
      end = 5 + length;
      if (buf.length < end + 2) return INCOMPLETE;
      const name = buf.subarray(5, end).toString('latin1');
      if (length === 0 || !HOSTNAME.test(name)) return { kind: 'error', reason: `destination name ${JSON.stringify(name)} is not a DNS name`, reply: reply(Reply.HOST_UNREACHABLE) };
      // curl and others send literal addresses as names too.
      host = isIPv4(name) || isIPv6(name) ? { ip: name } : { hostname: name.replace(/\.$/, '').toLowerCase() };
      break;
    }
    default:
      return { kind: 'error', reason: `address type 0x${hex(addressType)} is not IPv4 (1), a name (3) or IPv6 (4)`, reply: reply(Reply.ADDRESS_TYPE_NOT_SUPPORTED) };
  }
  // The command is checked after the address is complete so the client's reply is not sent mid-request.
  if (buf[1] !== 0x01) return { kind: 'error', reason: `command 0x${hex(buf[1])} is not CONNECT (only CONNECT is supported)`, reply: reply(Reply.COMMAND_NOT_SUPPORTED) };
  const port = buf.readUInt16BE(end);
  if (port === 0) return { kind: 'error', reason: 'destination port 0', reply: reply(Reply.GENERAL_FAILURE) };
  return { kind: 'ok', value: { ...host, port }, consumed: end + 2 };
}

export function methodReply(method: number): Buffer {
  return Buffer.from([SOCKS_VERSION, method]);
}

/**
 * A reply with BND.ADDR; an unspecified IPv4 address when the bound one is unknown or not an IP. `prefix` (the
 * held-back method reply) goes in front, so both leave in one write.
 */
export function reply(code: ReplyCode, bound?: { address: string; port: number }, prefix?: Uint8Array): Buffer {
  const v6 = bound !== undefined && isIPv6(bound.address);
  const at = prefix?.length ?? 0;
  const out = Buffer.alloc(at + (v6 ? 22 : 10));
  if (prefix) out.set(prefix);
  out[at] = SOCKS_VERSION;
  out[at + 1] = code;
  out[at + 3] = v6 ? 0x04 : 0x01;
  if (v6) ipv6Bytes(bound.address).copy(out, at + 4);
  else if (bound && isIPv4(bound.address)) out.set(bound.address.split('.').map(Number), at + 4);
  out.writeUInt16BE(bound?.port ?? 0, out.length - 2);
  return out;
}

function formatIpv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Canonical form (RFC 5952): the longest run of two or more zero groups becomes '::'.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
