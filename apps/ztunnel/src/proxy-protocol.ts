// PROXY protocol v2 headers (HAProxy's proxy-protocol.txt §2.2) as ztunnel writes them to an application that
// declares application_tunnel.protocol = PROXY: command PROXY over TCP, the original source and the HBONE target,
// and the peer's SPIFFE identity in the custom TLV 0xD0 (reference §1.4 step 8).
import { parseIp, type IpAddress } from '@ambient/l4-authz';
import { ZtunnelError } from './errors.js';

/** The 12 bytes every v2 header starts with. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** ztunnel's custom TLV: the source SPIFFE identity (istio.io application_tunnel; 0xD1 is documented, never sent). */
export const PP2_TYPE_PEER_IDENTITY = 0xd0;

const VERSION_2_PROXY = 0x21;
const INET_STREAM = 0x11;
const INET6_STREAM = 0x21;
const MAX_BODY = 0xffff;

export interface ProxyAddress {
  readonly address: string;
  readonly port: number;
}

export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface ProxyHeader {
  readonly source: ProxyAddress;
  readonly destination: ProxyAddress;
  readonly tlvs?: readonly ProxyTlv[];
}

/**
 * The header bytes. Both addresses IPv4: family INET; otherwise INET6, with an IPv4 address written IPv4-mapped
 * (::ffff:a.b.c.d) so that neither address is lost (a v2 header has one family for both).
 */
export function encodeProxyV2(header: ProxyHeader): Buffer {
  const src = ipOf(header.source, 'source');
  const dst = ipOf(header.destination, 'destination');
  const v4 = src.family === 4 && dst.family === 4;
  const tlvs = (header.tlvs ?? []).map(checkTlv);
  const addressBytes = v4 ? 12 : 36;
  const bodyLength = addressBytes + tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  if (bodyLength > MAX_BODY) throw bad(`header body would be ${bodyLength} bytes; a v2 header carries at most ${MAX_BODY}`);
  const out = Buffer.alloc(16 + bodyLength);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = VERSION_2_PROXY;
  out[13] = v4 ? INET_STREAM : INET6_STREAM;
  out.writeUInt16BE(bodyLength, 14);
  let at = 16;
  for (const ip of [src, dst]) for (const word of v4 ? ip.words : asV6Words(ip)) at = out.writeUInt32BE(word, at);
  at = out.writeUInt16BE(header.source.port, at);
  at = out.writeUInt16BE(header.destination.port, at);
  for (const t of tlvs) {
    out[at] = t.type;
    at = out.writeUInt16BE(t.value.length, at + 1);
    out.set(t.value, at);
    at += t.value.length;
  }
  return out;
}

/** The header ztunnel sends: original source, HBONE target, and the peer identity when the peer proved one. */
export function istioProxyHeader(source: ProxyAddress, destination: ProxyAddress, peerIdentity: string | undefined): Buffer {
  const tlvs = peerIdentity === undefined ? [] : [{ type: PP2_TYPE_PEER_IDENTITY, value: Buffer.from(peerIdentity, 'utf8') }];
  return encodeProxyV2({ source, destination, tlvs });
}

function ipOf(a: ProxyAddress, which: string): IpAddress {
  const ip = parseIp(a.address);
  if (ip === undefined) throw bad(`${which} address "${a.address}" is not an IP address`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) throw bad(`${which} port ${String(a.port)} is not a port from 0 to 65535`);
  return ip;
}

function asV6Words(ip: IpAddress): readonly number[] {
  return ip.family === 6 ? ip.words : [0, 0, 0xffff, ip.words[0] as number];
}

function checkTlv(t: ProxyTlv): ProxyTlv {
  if (!Number.isInteger(t.type) || t.type < 0 || t.type > 0xff) throw bad(`TLV type ${String(t.type)} is not a byte`);
  if (t.value.length > MAX_BODY) throw bad(`TLV 0x${t.type.toString(16)} value has ${t.value.length} bytes; at most ${MAX_BODY} fit`);
  return t;
}

function bad(message: string): ZtunnelError {
  return new ZtunnelError('ZTUNNEL_ERR_PROXY_PROTOCOL', `cannot write a PROXY v2 header: ${message}`);
}
