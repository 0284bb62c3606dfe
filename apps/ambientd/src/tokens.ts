// Minting bearer tokens with the control plane's key: `ambientd create-token` and `ambientctl create token`.
import { createToken, openTokenKey } from '@ambient/spiffe';
import { AmbientdError } from './errors.js';

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
}

/** One signed JWT for a service account (and optionally a node). */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const { key } = await openTokenKey(options.stateDir);
  try {
    return createToken(key, {
      namespace: options.namespace,
      serviceAccount: options.serviceAccount,
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ttlSeconds: options.ttlSeconds ?? 86_400,
    });
  } catch (err) {
    throw new AmbientdError('AMBIENTD_ERR_TOKEN', `cannot mint a token: ${(err as Error).message}`, { cause: err });
  }
}

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/** A Go-style duration as kubectl's --duration takes it (`24h`, `1h30m`, `90s`) in whole seconds. */
export function parseDuration(text: string): number {
  const parts = /^(?:\d+[hms])+$/.test(text) ? [...text.matchAll(/(\d+)([hms])/g)] : [];
  const seconds = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1), 0);
  if (parts.length === 0 || seconds <= 0 || !Number.isSafeInteger(seconds)) {
    throw new AmbientdError('AMBIENTD_ERR_DURATION', `a duration must be a positive count of h, m and s such as 24h, 1h30m or 90s, got "${text}"`);
  }
  return seconds;
}
