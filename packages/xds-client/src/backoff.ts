// Reconnect pacing as ztunnel does it (reference §3.1): 10 ms doubling to 15 s, immediate on benign closes.
import { status, type StatusObject } from '@grpc/grpc-js';

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #nextMs: number;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 10;
    this.#maxMs = options.maxMs ?? 15_000;
    this.#nextMs = this.#initialMs;
  }

  /** The delay before the next attempt; each call doubles the following one up to the cap. */
  next(): number {
    const delay = this.#nextMs;
    this.#nextMs = Math.min(this.#nextMs * 2, this.#maxMs);
    return delay;
  }

  reset(): void {
    this.#nextMs = this.#initialMs;
  }
}

const IMMEDIATE_CODES = new Set<number>([status.UNKNOWN, status.CANCELLED, status.DEADLINE_EXCEEDED]);

/** Closes that mean "the server went away on purpose" (max connection age, GOAWAY): reconnect at once. */
export function retriesImmediately(closed: Pick<StatusObject, 'code' | 'details'>): boolean {
  return IMMEDIATE_CODES.has(closed.code) || /transport is closing|goaway/i.test(closed.details);
}
