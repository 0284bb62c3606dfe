// Debian's protoc as an independent encoder/decoder of istio.security.Authorization for wire tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const TYPE = 'istio.security.Authorization';

function protoc(mode: 'encode' | 'decode', input: Uint8Array | string): Buffer {
  const protoDir = join(import.meta.dirname, '..', '..', 'api', 'proto');
  return execFileSync('protoc', [`--${mode}=${TYPE}`, `-I${protoDir}`, '-I/usr/include', 'istio/security/authorization.proto'], { input });
}

/** Text format in, wire bytes out. */
export const protocEncode = (text: string): Uint8Array => new Uint8Array(protoc('encode', text));
/** Wire bytes in, protoc's text format out. */
export const protocDecode = (bytes: Uint8Array): string => protoc('decode', bytes).toString('utf8');
