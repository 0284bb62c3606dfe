// Minting a bearer token with the state directory's key, as `ambientd create-token` and `ambientctl create token`
// both do: one implementation so the two commands can never disagree on claims, defaults or durations.
import { SpiffeError } from './errors.js';
import { openTokenKey } from './token-key-file.js';
import { createToken } from './tokens.js';

export interface MintTokenOptions {
  /** Where token-key.pem lives (created there when absent, so tokens minted before the first start stay valid). */
  readonly stateDir: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Set for node proxies: the node whose workloads they may get certificates for. */
  readonly node?: string;
  /** Default 24 h. */
  readonly ttlSeconds?: number;
  readonly audience?: string;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
}

/** One signed JWT for a service account (and optionally a node); bad names throw SPIFFE_ERR_TOKEN_CLAIMS. */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const { key } = await openTokenKey(options.stateDir);
  return createToken(key, {
    namespace: options.namespace,
    serviceAccount: options.serviceAccount,
    ...(options.node === undefined ? {} : { node: options.node }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ttlSeconds: options.ttlSeconds ?? 86_400,
  });
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1 };

/**
 * A Go-style duration as kubectl's --duration takes it (`24h`, `1h30m`, `90s`) in whole seconds; anything else
 * (days, fractions, signs, spaces, zero) throws SPIFFE_ERR_TTL.
 */
export function parseDuration(text: string): number {
  const parts = /^(?:\d+[hms])+$/.test(text) ? [...text.matchAll(/(\d+)([hms])/g)] : [];
  const seconds = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1), 0);
  if (parts.length === 0 || seconds <= 0 || !Number.isSafeInteger(seconds)) {
    throw new SpiffeError('SPIFFE_ERR_TTL', `a duration must be a positive count of h, m and s such as 24h, 1h30m or 90s, got "${text}"`);
  }
  return seconds;
}
