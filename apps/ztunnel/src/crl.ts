// Certificate revocation for HBONE (Istio's CRL_PATH, reference §1.5): a PEM file of CRLs from the mesh CA, handed
// to every workload's TLS so a peer whose certificate it revokes is refused in the handshake, both ways, and parsed
// (issuer + revoked serials) so live connections can be checked against it when it changes. The file is checked at
// start (a bad one stops ztunnel) and polled; a bad change is logged and ignored, keeping the last good list.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import tls from 'node:tls';
import type { Logger } from '@ambient/core';
import { RevocationLists } from '@ambient/spiffe';
import { ZtunnelError } from './errors.js';

/** How often the file is polled for a change. */
export const CRL_POLL_MS = 2_000;

export class CrlFile {
  readonly path: string;
  #pem: string;
  #lists: RevocationLists;

  /** Reads and checks `path`; throws ZtunnelError naming the file when it is unreadable or holds no valid CRL. */
  constructor(path: string) {
    this.path = path;
    ({ pem: this.#pem, lists: this.#lists } = readCrl(path));
  }

  /** The CRLs in force now (PEM). */
  get pem(): string {
    return this.#pem;
  }

  /** The CRLs in force now, parsed: what live connections are checked against. */
  get lists(): RevocationLists {
    return this.#lists;
  }

  /** Polls the file; calls `onChange` after a good new list is in force. Returns a function that stops it. */
  watch(onChange: () => void, log: Logger, intervalMs = CRL_POLL_MS): () => void {
    const listener = (): void => {
      try {
        const { pem, lists } = readCrl(this.path);
        if (pem === this.#pem) return;
        this.#pem = pem;
        this.#lists = lists;
        log.info({ path: this.path }, 'certificate revocation list reloaded');
        onChange();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'certificate revocation list not reloaded, keeping the previous one');
      }
    };
    watchFile(this.path, { interval: intervalMs, persistent: false }, listener);
    return () => unwatchFile(this.path, listener);
  }
}

function readCrl(path: string): { pem: string; lists: RevocationLists } {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--crl-path ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (!pem.includes('-----BEGIN X509 CRL-----')) throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--crl-path ${path} holds no PEM CRL (-----BEGIN X509 CRL-----)`);
  try {
    // OpenSSL parses each CRL here, as the TLS contexts will.
    tls.createSecureContext({ crl: pem });
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--crl-path ${path} is not a valid CRL: ${(err as Error).message}`, { cause: err });
  }
  try {
    return { pem, lists: RevocationLists.fromPem(pem) };
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--crl-path ${path}: ${(err as Error).message}`, { cause: err });
  }
}
