// The certificates of the workloads on this node: fetched by impersonation through the CA, prefetched when a
// workload appears, refreshed at half-life by @ambient/spiffe's SecretManager, forgotten when it leaves.
import { SecretManager, type CertificateStatus, type FetchSvid, type SecretManagerOptions, type Svid } from '@ambient/spiffe';

export type IssuedListener = (svid: Svid) => void;

/** One `/config_dump` certificates entry, in ztunnel's shape. */
export interface CertificateDump {
  readonly identity: string;
  readonly state: 'Available' | 'Initializing' | 'Unavailable';
  readonly certChain: readonly { pem: string; serialNumber: string; validFrom: string; expirationTime: string }[];
  readonly rootCerts: readonly { pem: string; serialNumber: string; validFrom: string; expirationTime: string }[];
  readonly failures: number;
  readonly lastError?: string;
}

const STATE = { available: 'Available', initializing: 'Initializing', unavailable: 'Unavailable' } as const;

export class WorkloadCertificates {
  readonly #manager: SecretManager;
  readonly #listeners = new Set<IssuedListener>();
  #wanted = new Set<string>();

  constructor(fetch: FetchSvid, options: Omit<SecretManagerOptions, 'fetch'> = {}) {
    // Every successful fetch (first issue and each refresh) is announced so TLS contexts can rotate.
    const announcing: FetchSvid = async (identity) => {
      const svid = await fetch(identity);
      queueMicrotask(() => {
        if (this.#wanted.has(identity)) this.#announce(svid);
      });
      return svid;
    };
    this.#manager = new SecretManager({ ...options, fetch: announcing });
  }

  /** The identities of the local workloads now: new ones are prefetched, departed ones forgotten. */
  want(identities: Iterable<string>): void {
    const next = new Set(identities);
    for (const identity of next) if (!this.#wanted.has(identity)) this.#manager.prefetch(identity);
    for (const identity of this.#wanted) if (!next.has(identity)) this.#manager.forget(identity);
    this.#wanted = next;
  }

  find(identity: string): Svid | undefined {
    return this.#manager.findSvid(identity);
  }

  fetch(identity: string): Promise<Svid> {
    return this.#manager.fetchSvid(identity);
  }

  /** Called after every issue or refresh of a wanted identity. */
  onIssued(listener: IssuedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Announces every wanted identity's current certificate again, so TLS contexts are rebuilt (a new CRL). */
  reannounce(): void {
    for (const identity of this.#wanted) {
      const svid = this.#manager.findSvid(identity);
      if (svid) this.#announce(svid);
    }
  }

  #announce(svid: Svid): void {
    for (const listener of this.#listeners) listener(svid);
  }

  /** True once every wanted identity has a valid certificate (readiness). */
  allReady(): boolean {
    for (const identity of this.#wanted) if (!this.#manager.findSvid(identity)) return false;
    return true;
  }

  dump(): CertificateDump[] {
    const byIdentity = new Map<string, CertificateStatus>(this.#manager.status().map((s) => [s.identity, s]));
    return [...this.#wanted].sort().map((identity) => {
      const status = byIdentity.get(identity);
      const svid = this.#manager.findSvid(identity);
      return {
        identity,
        state: STATE[status?.state ?? 'initializing'],
        certChain: svid ? svid.certChain.map(describe) : [],
        rootCerts: svid ? svid.roots.map(describe) : [],
        failures: status?.failures ?? 0,
        ...(status?.lastError === undefined ? {} : { lastError: status.lastError }),
      };
    });
  }

  close(): void {
    this.#listeners.clear();
    this.#manager.close();
  }
}

function describe(cert: Svid['certChain'][number]): CertificateDump['certChain'][number] {
  return {
    pem: Buffer.from(cert.toString()).toString('base64'),
    serialNumber: cert.serialNumber,
    validFrom: new Date(cert.validFrom).toISOString(),
    expirationTime: new Date(cert.validTo).toISOString(),
  };
}
