// Runs Debian's protoc (an encoder we did not write) over this package's .proto files.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const protoDir = join(import.meta.dirname, '..', 'proto');
const files = [
  'istio/workload/workload.proto',
  'istio/security/authorization.proto',
  'istio/v1/auth/ca.proto',
  'envoy/service/discovery/v3/discovery.proto',
];

function run(mode: 'encode' | 'decode', messageType: string, input: Buffer | string): Buffer {
  return execFileSync('protoc', [`--${mode}=${messageType}`, `-I${protoDir}`, '-I/usr/include', ...files], {
    input,
    maxBuffer: 16 << 20,
  });
}

/** Text format → wire bytes, by protoc. */
export function protocEncode(messageType: string, text: string): Uint8Array {
  return new Uint8Array(run('encode', messageType, text));
}

/** Wire bytes → canonical text format, by protoc. */
export function protocDecode(messageType: string, bytes: Uint8Array): string {
  return run('decode', messageType, Buffer.from(bytes)).toString('utf8');
}
