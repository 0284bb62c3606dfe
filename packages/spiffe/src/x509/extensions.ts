// X.509 extensions both ways: encoders for what our certificates carry, a decoder for what peers send.
import { boolean, implicitPrimitive, octetString, oid, sequence, tlv } from '../der/writer.js';
import { children, decodeBitString, decodeBoolean, decodeOid, expect, readDer, type DerNode } from '../der/reader.js';
import { SpiffeError } from '../errors.js';
import { KEY_USAGE, OID } from './oids.js';

export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** The names a certificate is for: an SVID has one URI; a serving certificate adds DNS names and IPs. */
export interface SubjectAltNames {
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  /** Textual IPv4 or IPv6 addresses. */
  readonly ipAddresses?: readonly string[];
}

export function sanValue(names: SubjectAltNames): Buffer {
  return sequence(
    ...(names.dnsNames ?? []).map((d) => implicitPrimitive(2, Buffer.from(d, 'ascii'))),
    ...(names.uris ?? []).map((u) => implicitPrimitive(6, Buffer.from(u, 'ascii'))),
    ...(names.ipAddresses ?? []).map((ip) => implicitPrimitive(7, ipBytes(ip))),
  );
}

export const uriSanValue = (uris: readonly string[]): Buffer => sanValue({ uris });

/** 4 or 16 bytes of an IP address in text form; anything else throws SPIFFE_ERR_BAD_SAN. */
export function ipBytes(text: string): Buffer {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.every((o) => o <= 255)) return Buffer.from(octets);
  }
  const halves = text.split('::');
  if (!v4 && halves.length <= 2 && /^[0-9a-fA-F:]+$/.test(text)) {
    const groups = (part: string | undefined): string[] => (part ? part.split(':') : []);
    const head = groups(halves[0]);
    const tail = groups(halves[1]);
    const fill = 8 - head.length - tail.length;
    const all = [...head, ...(halves.length === 2 ? Array<string>(fill).fill('0') : []), ...tail];
    if (all.length === 8 && fill >= (halves.length === 2 ? 1 : 0) && all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) {
      return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
    }
  }
  throw new SpiffeError('SPIFFE_ERR_BAD_SAN', `'${text}' is not an IPv4 or IPv6 address`);
}

/** KeyUsage from KEY_USAGE bits of the first byte (all our usages fit in it). */
export function keyUsageValue(bits: number): Buffer {
  let unused = 0;
  while (unused < 8 && !(bits & (1 << unused))) unused++;
  return tlv(0x03, Buffer.from([unused, bits]));
}

export const extKeyUsageValue = (oids: readonly string[]): Buffer => sequence(...oids.map(oid));
export const basicConstraintsValue = (ca: boolean): Buffer => (ca ? sequence(boolean(true)) : sequence());
export const subjectKeyIdValue = (keyId: Buffer): Buffer => octetString(keyId);
export const authorityKeyIdValue = (keyId: Buffer): Buffer => sequence(implicitPrimitive(0, keyId));

/** What we read from a certificate's or CSR's extensions. */
export interface ExtensionInfo {
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  /** Every GeneralName of the SAN, whatever its kind. */
  readonly sanCount: number;
  readonly isCa: boolean;
  /** First byte of KeyUsage, or undefined when absent. */
  readonly keyUsage?: number;
  /** ExtendedKeyUsage purposes, or undefined when absent (absent means any). */
  readonly extKeyUsage?: readonly string[];
  readonly subjectKeyId?: Buffer;
  readonly authorityKeyId?: Buffer;
}

function generalNames(value: Buffer): { uris: string[]; dnsNames: string[]; count: number } {
  const names = children(expect(readDer(value), 0x30, 'subjectAltName'));
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const name of names) {
    if (name.tag === 0x86) uris.push(name.content.toString('latin1'));
    else if (name.tag === 0x82) dnsNames.push(name.content.toString('latin1'));
  }
  return { uris, dnsNames, count: names.length };
}

/** Decodes an `Extensions` SEQUENCE. Duplicate extensions are refused, as RFC 5280 requires. */
export function parseExtensions(node: DerNode | undefined): ExtensionInfo {
  const info: { -readonly [K in keyof ExtensionInfo]: ExtensionInfo[K] } = { uris: [], dnsNames: [], sanCount: 0, isCa: false };
  if (!node) return info;
  const seen = new Set<string>();
  for (const ext of children(expect(node, 0x30, 'extensions'))) {
    const parts = children(expect(ext, 0x30, 'extension'));
    const id = decodeOid(parts[0] as DerNode);
    if (seen.has(id)) throw new SpiffeError('SPIFFE_ERR_BAD_DER', `extension ${id} appears twice`);
    seen.add(id);
    const hasCritical = parts.length === 3;
    if (hasCritical) decodeBoolean(parts[1] as DerNode);
    const value = expect(parts[hasCritical ? 2 : 1], 0x04, `value of extension ${id}`).content;
    switch (id) {
      case OID.subjectAltName: {
        const names = generalNames(value);
        info.uris = names.uris;
        info.dnsNames = names.dnsNames;
        info.sanCount = names.count;
        break;
      }
      case OID.basicConstraints: {
        const first = children(expect(readDer(value), 0x30, 'basicConstraints'))[0];
        info.isCa = first?.tag === 0x01 ? decodeBoolean(first) : false;
        break;
      }
      case OID.keyUsage:
        info.keyUsage = decodeBitString(readDer(value)).bytes[0] ?? 0;
        break;
      case OID.extKeyUsage:
        info.extKeyUsage = children(expect(readDer(value), 0x30, 'extKeyUsage')).map(decodeOid);
        break;
      case OID.subjectKeyIdentifier:
        info.subjectKeyId = expect(readDer(value), 0x04, 'subjectKeyIdentifier').content;
        break;
      case OID.authorityKeyIdentifier: {
        const keyId = children(expect(readDer(value), 0x30, 'authorityKeyIdentifier')).find((c) => c.tag === 0x80);
        if (keyId) info.authorityKeyId = keyId.content;
        break;
      }
    }
  }
  return info;
}

export const LEAF_KEY_USAGE = KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment;
export const CA_KEY_USAGE = KEY_USAGE.digitalSignature | KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign;
