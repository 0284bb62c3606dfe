// One stream's view of one type: what it subscribed to, what it holds, what is due, and its ACK/NACK status.
import type { DeltaDiscoveryRequest } from '@ambient/api/xds';
import type { ResourceStore, StoredResource } from './resource-store.js';

export type SyncState = 'SYNCED' | 'NACKED' | 'STALE';

export interface TypeSyncStatus {
  readonly status: SyncState;
  readonly nonce: string;
  readonly error?: string;
}

export interface PendingPush {
  readonly resources: Uint8Array[];
  readonly removed: string[];
}

const WILDCARD = '*';

export class Subscription {
  readonly typeUrl: string;
  #wildcard = false;
  readonly #names = new Set<string>();
  /** name → version the client holds, as far as this server knows. */
  readonly #sent = new Map<string, string>();
  /** Names to look at on the next push; `all` after the opener or a wildcard subscribe. */
  #dirty: Set<string> | 'all' = 'all';
  /** Newly subscribed names: answered even when absent (in removed_resources) so on-demand lookups end. */
  readonly #answerDue = new Set<string>();
  #mustRespond = true;
  #nonce = '';
  #status: SyncState = 'STALE';
  #error: string | undefined;

  /** From the stream's first request for the type (§3.2): wildcard unless it names resources or unsubscribes `*`. */
  constructor(request: DeltaDiscoveryRequest) {
    this.typeUrl = request.typeUrl;
    this.#wildcard = request.resourceNamesSubscribe.length === 0;
    this.#applyNames(request);
    for (const [name, version] of Object.entries(request.initialResourceVersions)) this.#sent.set(name, version);
    this.#dirty = 'all';
  }

  get hasWork(): boolean {
    return this.#mustRespond || this.#answerDue.size > 0 || this.#dirty === 'all' || this.#dirty.size > 0;
  }

  status(): TypeSyncStatus {
    return { status: this.#status, nonce: this.#nonce, ...(this.#error === undefined ? {} : { error: this.#error }) };
  }

  /** A follow-up request: an ACK/NACK for a nonce and/or a change of subscribed names. */
  onRequest(request: DeltaDiscoveryRequest): void {
    if (request.responseNonce && request.responseNonce === this.#nonce) {
      this.#error = request.errorDetail ? request.errorDetail.message || `code ${request.errorDetail.code}` : undefined;
      this.#status = request.errorDetail ? 'NACKED' : 'SYNCED';
    }
    this.#applyNames(request);
  }

  /** Content changed in the store. */
  markDirty(names: Iterable<string>): void {
    if (this.#dirty === 'all') return;
    for (const name of names) this.#dirty.add(name);
  }

  #applyNames(request: DeltaDiscoveryRequest): void {
    for (const name of request.resourceNamesSubscribe) {
      if (name === WILDCARD) {
        this.#wildcard = true;
        this.#dirty = 'all';
      } else {
        this.#names.add(name);
        this.#answerDue.add(name);
      }
    }
    for (const name of request.resourceNamesUnsubscribe) {
      if (name === WILDCARD) {
        this.#wildcard = false;
        for (const held of [...this.#sent.keys()]) if (!this.#names.has(held)) this.#sent.delete(held);
      } else {
        this.#names.delete(name);
        this.#sent.delete(name);
        this.#answerDue.delete(name);
      }
    }
  }

  #subscribed(name: string): boolean {
    return this.#wildcard || this.#names.has(name);
  }

  /** Subscribed by name, by wildcard, or by one of its aliases (an on-demand lookup by address). */
  #covers(r: StoredResource): boolean {
    return this.#subscribed(r.name) || r.aliases.some((a) => this.#names.has(a));
  }

  /** The diff between the store and what the client holds, recorded as sent; undefined when there is nothing. */
  takePush(store: ResourceStore): PendingPush | undefined {
    const candidates = this.#dirty === 'all' ? new Set([...store.names(this.typeUrl), ...this.#sent.keys(), ...this.#names]) : this.#dirty;
    // A name asked for may be an alias: the answer is the resource it stands for, under its own name, sent even
    // when the client holds that version already, since only the response tells it the alias.
    const viaAlias = new Set<string>();
    /** Asked-for aliases that stand for something: answered by those resources, never as removed. */
    const aliasAnswered = new Set<string>();
    for (const name of this.#answerDue) {
      const targets = store.resolveAliasAll(this.typeUrl, name);
      if (targets.length > 0) aliasAnswered.add(name);
      if (targets.length === 0 || store.get(this.typeUrl, name)) candidates.add(name);
      for (const target of targets) {
        viaAlias.add(target.name);
        candidates.add(target.name);
      }
    }
    const resources: Uint8Array[] = [];
    const removed: string[] = [];
    for (const name of candidates) {
      const stored = store.get(this.typeUrl, name);
      const current = stored && this.#covers(stored) ? stored : undefined;
      if (current) {
        if (this.#sent.get(name) !== current.version || viaAlias.has(name)) {
          resources.push(current.encoded);
          this.#sent.set(name, current.version);
        }
      } else if (this.#sent.delete(name) || (this.#answerDue.has(name) && this.#subscribed(name) && !aliasAnswered.has(name))) {
        removed.push(name);
      }
    }
    this.#dirty = new Set();
    this.#answerDue.clear();
    if (resources.length === 0 && removed.length === 0 && !this.#mustRespond) return undefined;
    this.#mustRespond = false;
    return { resources, removed };
  }

  /** A response with this nonce went out: the type is STALE until the client answers it. */
  sent(nonce: string): void {
    this.#nonce = nonce;
    this.#status = 'STALE';
    this.#error = undefined;
  }
}
