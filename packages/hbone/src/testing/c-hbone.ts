// A second baseline beside stunnel: an HBONE relay pair in C (native/c-hbone-relay.c: nghttp2 and OpenSSL, one
// thread per connection), the data path a native HBONE engine would have. Built on demand with the system's C
// compiler; it takes the same ends as a stunnel pair and the certificates writeBenchCertificates leaves.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, StunnelEnds } from './stunnel.js';

const SOURCE = fileURLToPath(new URL('../../native/c-hbone-relay.c', import.meta.url));

/**
 * Compiles the relay into `dir` and returns the binary's path. Throws naming what is missing when it cannot: a C
 * compiler or the OpenSSL and nghttp2 headers (Debian: gcc, libssl-dev, libnghttp2-dev).
 */
export function buildCHboneRelay(dir: string): string {
  const binary = join(dir, 'c-hbone-relay');
  try {
    execFileSync('cc', ['-O2', '-o', binary, SOURCE, '-lssl', '-lcrypto', '-lnghttp2', '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    const first = stderr.split('\n').find((line) => line.includes('error')) ?? (err as Error).message;
    throw new Error(`cannot build the C HBONE relay (needs cc and the OpenSSL and nghttp2 headers: apt-get install gcc libssl-dev libnghttp2-dev): ${first}`);
  }
  return binary;
}

/** The command lines of a C HBONE relay pair between `ends`, with the certificates in `certDir`. */
export function cHboneRelayArgv(binary: string, ends: StunnelEnds, certDir: string): { client: Argv; server: Argv } {
  return {
    server: [binary, 'server', ends.serverAccept, ends.target, certDir],
    client: [binary, 'client', ends.clientAccept, ends.serverAccept, ends.target, certDir],
  };
}
