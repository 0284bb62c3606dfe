// A strict, bounds-checked DER decoder for the parts of certificates and CSRs we read ourselves.
import { SpiffeError } from '../errors.js';

export interface DerNode {
  readonly tag: number;
  /** The value bytes. */
  readonly content: Buffer;
  /** The whole encoding, tag and length included (what a signature covers). */
  readonly raw: Buffer;
}

function fail(what: string): never {
  throw new SpiffeError('SPIFFE_ERR_BAD_DER', `malformed DER: ${what}`);
}

/** Reads the element starting at `offset`; returns it and the offset just past it. */
export function readElement(buf: Buffer, offset: number): { node: DerNode; next: number } {
  if (offset + 2 > buf.length) fail('truncated header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tags are not used in certificates');
  let length = buf[offset + 1] as number;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) fail('indefinite length is not DER');
    if (count > 4) fail('length too large');
    if (offset + 2 + count > buf.length) fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[offset + 2 + i] as number);
    if (length < 0x80 || (count > 1 && buf[offset + 2] === 0)) fail('non-minimal length');
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) fail(`element of ${length} bytes runs past the end of its container`);
  return {
    node: { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) },
    next: end,
  };
}

/** Decodes exactly one element filling `buf`. */
export function readDer(buf: Buffer): DerNode {
  const { node, next } = readElement(buf, 0);
  if (next !== buf.length) fail(`${buf.length - next} trailing bytes`);
  return node;
}

/** The elements inside a constructed node (SEQUENCE, SET, explicit tags). */
export function children(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) fail(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const { node: child, next } = readElement(node.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** Children of a node that must carry `tag`, e.g. a SEQUENCE (0x30). */
export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) fail(`missing ${what}`);
  if (node.tag !== tag) fail(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

export function decodeOid(node: DerNode): string {
  const bytes = expect(node, 0x06, 'object identifier').content;
  if (bytes.length === 0) fail('empty object identifier');
  const first = bytes[0] as number;
  const arcs = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] as number;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

export function decodeTime(node: DerNode): Date {
  const text = node.content.toString('ascii');
  const utc = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const gen = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  let parts: string[] | undefined;
  if (node.tag === 0x17 && utc) {
    const yy = Number(utc[1]);
    parts = [String(yy < 50 ? 2000 + yy : 1900 + yy), ...utc.slice(2)];
  } else if (node.tag === 0x18 && gen) {
    parts = gen.slice(1);
  }
  if (!parts) fail(`bad time '${text}'`);
  const [y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

export function decodeBoolean(node: DerNode): boolean {
  const bytes = expect(node, 0x01, 'boolean').content;
  if (bytes.length !== 1) fail('boolean of wrong length');
  return bytes[0] !== 0;
}

/** BIT STRING bytes, with the unused-bit count. */
export function decodeBitString(node: DerNode): { bytes: Buffer; unused: number } {
  const content = expect(node, 0x03, 'bit string').content;
  if (content.length === 0 || (content[0] as number) > 7) fail('bad bit string');
  return { bytes: content.subarray(1), unused: content[0] as number };
}
