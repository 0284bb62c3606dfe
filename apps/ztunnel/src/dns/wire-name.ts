// Domain names on the DNS wire (RFC 1035 §3.1, §4.1.4): reading them with compression pointers, writing them from
// text with a compression dictionary, and the escaped text form that keeps odd bytes from matching a mesh hostname.
import { ZtunnelError } from '../errors.js';

const MAX_LABEL = 63;
const MAX_NAME = 255;
/** Offsets a 14-bit compression pointer can reach. */
const POINTER_RANGE = 0x4000;

function malformed(message: string): ZtunnelError {
  return new ZtunnelError('ZTUNNEL_ERR_DNS_MALFORMED', message);
}

/**
 * Reads the name at `start`: its text (no trailing dot, "" for the root, the sender's case kept) and the offset just
 * past it in the message. Each pointer must go before everything this name has read so far, which rules out loops.
 */
export function readName(msg: Uint8Array, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = start;
  let limit = start;
  let end: number | undefined;
  let wireLength = 1;
  for (;;) {
    const len = msg[pos];
    if (len === undefined) throw malformed(`DNS name at byte ${start} runs past the end of the ${msg.length}-byte message`);
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      const low = msg[pos + 1];
      if (low === undefined) throw malformed(`DNS compression pointer at byte ${pos} is cut off by the end of the message`);
      const target = ((len & 0x3f) << 8) | low;
      if (target >= msg.length) throw malformed(`DNS compression pointer at byte ${pos} points to byte ${target}, past the end of the ${msg.length}-byte message`);
      if (target >= limit) throw malformed(`DNS compression pointer at byte ${pos} points to byte ${target}, not before byte ${limit}: a loop or a forward reference`);
      end ??= pos + 2;
      limit = target;
      pos = target;
    } else if (kind === 0x40) {
      throw malformed(`DNS label at byte ${pos} is ${len} bytes long; labels are at most ${MAX_LABEL} (0x40 is a reserved label type)`);
    } else if (kind === 0x80) {
      throw malformed(`DNS label at byte ${pos} has the reserved label type 0x80 (length byte 0x${len.toString(16)})`);
    } else if (len === 0) {
      return { name: labels.join('.'), end: end ?? pos + 1 };
    } else {
      wireLength += 1 + len;
      if (wireLength > MAX_NAME) throw malformed(`DNS name at byte ${start} is over ${MAX_NAME} bytes on the wire`);
      if (pos + 1 + len > msg.length) throw malformed(`DNS label at byte ${pos} is ${len} bytes long but the message ends at byte ${msg.length}`);
      labels.push(escapeLabel(msg.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
  }
}

function isPlain(byte: number): boolean {
  return (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2a || byte === 0x2d;
}

function escapeLabel(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (isPlain(byte)) text += String.fromCharCode(byte);
    else if (byte === 0x2e || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else text += `\\${byte.toString().padStart(3, '0')}`;
  }
  return text;
}

/**
 * The wire labels of `name`: ASCII text, one optional trailing dot, and the escapes `readName` writes (`\DDD`, `\.`,
 * `\\`), so every name read can be written back byte for byte.
 */
export function nameLabels(name: string): Uint8Array[] {
  if (name === '' || name === '.') return [];
  const labels: Uint8Array[] = [];
  let label: number[] = [];
  let wireLength = 1;
  const finish = (at: number): void => {
    if (label.length === 0) throw malformed(`DNS name "${name}" has an empty label at character ${at}`);
    if (label.length > MAX_LABEL) throw malformed(`DNS name "${name}" has a label of ${label.length} bytes ending at character ${at}; labels are at most ${MAX_LABEL}`);
    wireLength += 1 + label.length;
    labels.push(Uint8Array.from(label));
    label = [];
  };
  let trailingDot = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    trailingDot = ch === 0x2e;
    if (ch === 0x2e) finish(i);
    else if (ch === 0x5c) i = readEscape(name, i, label);
    else if (ch > 0x7f) throw malformed(`DNS name "${name}" has the non-ASCII character "${name[i]}" at character ${i}; write it as \\DDD or in punycode`);
    else label.push(ch);
  }
  if (!trailingDot) finish(name.length);
  if (wireLength > MAX_NAME) throw malformed(`DNS name "${name}" is ${wireLength} bytes on the wire; names are at most ${MAX_NAME}`);
  return labels;
}

/** Appends the byte of the escape at `i` to `label`; returns the index of the escape's last character. */
function readEscape(name: string, i: number, label: number[]): number {
  const digits = /^\d{3}/.exec(name.slice(i + 1, i + 4))?.[0];
  if (digits !== undefined) {
    const byte = Number(digits);
    if (byte > 255) throw malformed(`DNS name "${name}" has the escape \\${digits} at character ${i}; a byte is at most \\255`);
    label.push(byte);
    return i + 3;
  }
  const next = name.charCodeAt(i + 1);
  if (Number.isNaN(next) || next > 0x7f) throw malformed(`DNS name "${name}" has an incomplete escape at character ${i}`);
  label.push(next);
  return i + 1;
}

/**
 * Appends `labels` to `out`, replacing the longest suffix already written with a pointer to it. Suffixes match by
 * exact bytes, not case-insensitively, so every name reads back in the case it was given.
 */
export function writeName(out: number[], labels: readonly Uint8Array[], written: Map<string, number>): void {
  const keys = suffixKeys(labels);
  for (let i = 0; i < labels.length; i++) {
    const key = keys[i] as string;
    const at = written.get(key);
    if (at !== undefined) {
      out.push(0xc0 | (at >> 8), at & 0xff);
      return;
    }
    if (out.length < POINTER_RANGE) written.set(key, out.length);
    const label = labels[i] as Uint8Array;
    out.push(label.length, ...label);
  }
  out.push(0);
}

/** The key of every suffix of `labels` (the i-th: labels i…end), built from the end so each label is read once. */
function suffixKeys(labels: readonly Uint8Array[]): string[] {
  const keys = new Array<string>(labels.length);
  let key = '';
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i] as Uint8Array;
    key = `${label.length}:${String.fromCharCode(...label)}${key}`;
    keys[i] = key;
  }
  return keys;
}
