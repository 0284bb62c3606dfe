// IPv4/IPv6 literals and CIDR ranges as 32-bit words, so that matching a connection against a range is a few
// integer comparisons on the hot path instead of string work.

/** An address: one word for IPv4, four for IPv6 (most significant first). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly words: readonly number[];
}

/** A range as ztunnel holds it (ipnet::IpNet): the address keeps its host bits, matching ignores them. */
export interface Cidr extends IpAddress {
  readonly prefix: number;
  /** Canonical text, e.g. '10.0.0.0/8' or '2001:db8::/32'; single addresses keep their /32 or /128. */
  readonly text: string;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses a dotted quad without leading zeros (as Go's netip does); undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  // A character loop rather than split/regex: this runs for every connection evaluated.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

function parseIpv6(text: string): number[] | undefined {
  if (text.includes('%')) return undefined; // zones have no meaning in a policy or a peer address we compare
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) words.push(((groups[i] ?? 0) * 0x10000 + (groups[i + 1] ?? 0)) >>> 0);
  return words;
}

/** 16-bit groups of one side of '::'; an embedded dotted quad is allowed only as the last part. */
function groupsOf(side: string): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Parses an IPv4 or IPv6 literal; undefined when it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const words = parseIpv6(text);
    return words === undefined ? undefined : { family: 6, words };
  }
  const v4 = parseIpv4(text);
  return v4 === undefined ? undefined : { family: 4, words: [v4] };
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4, as ztunnel canonicalises peer addresses. */
export function canonicalIp(ip: IpAddress): IpAddress {
  const [w0, w1, w2, w3] = ip.words;
  if (ip.family === 6 && w0 === 0 && w1 === 0 && w2 === 0xffff && w3 !== undefined) return { family: 4, words: [w3] };
  return ip;
}

/** Parses '10.0.0.0/8', '10.1.2.3' (a /32), '2001:db8::/32' or '::1' (a /128); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const bits = text.slice(slash + 1);
    if (!/^(?:0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > max) return undefined;
    prefix = Number(bits);
  }
  return makeCidr(ip, prefix);
}

/** Builds a range from an address and a prefix length the caller has already checked. */
export function makeCidr(ip: IpAddress, prefix: number): Cidr {
  return { family: ip.family, words: ip.words, prefix, text: `${formatIp(ip)}/${prefix}` };
}

/** Address bytes as on the wire (4 or 16 of them) to an address; undefined for any other length. */
export function ipFromBytes(bytes: Uint8Array): IpAddress | undefined {
  if (bytes.length !== 4 && bytes.length !== 16) return undefined;
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push((((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>> 0);
  }
  return { family: bytes.length === 4 ? 4 : 6, words };
}

/** Address to wire bytes (the inverse of ipFromBytes). */
export function ipToBytes(ip: IpAddress): Uint8Array {
  const bytes = new Uint8Array(ip.words.length * 4);
  ip.words.forEach((w, i) => {
    bytes[i * 4] = w >>> 24;
    bytes[i * 4 + 1] = (w >>> 16) & 0xff;
    bytes[i * 4 + 2] = (w >>> 8) & 0xff;
    bytes[i * 4 + 3] = w & 0xff;
  });
  return bytes;
}

/** True when the range holds the address; an IPv4 range never holds an IPv6 address and vice versa. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  let remaining = cidr.prefix;
  for (let i = 0; remaining > 0; i++, remaining -= 32) {
    const a = cidr.words[i] ?? 0;
    const b = ip.words[i] ?? 0;
    if (remaining >= 32) {
      if (a !== b) return false;
    } else if (((a ^ b) >>> (32 - remaining)) !== 0) {
      return false;
    }
  }
  return true;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run of two or more as '::'). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const w = ip.words[0] ?? 0;
    return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
  }
  const groups = ip.words.flatMap((w) => [w >>> 16, w & 0xffff]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
