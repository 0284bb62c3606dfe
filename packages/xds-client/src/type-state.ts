// One resource type's cache on the client: accepted values, rejected names, watchers and on-demand names.
import type { ResourceType } from './resource-type.js';
import type { Batch, DecodedResponse } from './response.js';
import { XdsClientError } from './errors.js';

/** Three callbacks, as grpc-js-xds's watchers have. */
export interface Watcher<T> {
  onChanged(value: T, name: string): void;
  /** The server removed the resource, or reported that it does not exist. */
  onRemoved(name: string): void;
  /** The resource was rejected (the cached value, if any, stays) or the stream failed before it arrived. */
  onError(error: XdsClientError, name: string): void;
}

interface Held<T> {
  readonly version: string;
  readonly value: T;
}

export class TypeState<T> {
  readonly type: ResourceType<T>;
  readonly onDemand: boolean;
  readonly #held = new Map<string, Held<T>>();
  readonly #rejected = new Map<string, string>();
  readonly #watchers = new Map<string, Set<Watcher<T>>>();
  /** On-demand names subscribed so far. */
  readonly #demanded = new Set<string>();
  /** On-demand names the server reported as not existing. */
  readonly #absent = new Set<string>();
  /** alias → resource name, and back, for resources served under other keys (§3.4: on-demand by address). */
  readonly #aliasOf = new Map<string, string>();
  readonly #aliasesOf = new Map<string, readonly string[]>();
  #answered = false;

  constructor(type: ResourceType<T>, onDemand: boolean) {
    this.type = type;
    this.onDemand = onDemand;
  }

  /** True once a response for this type has been processed on any stream. */
  get answered(): boolean {
    return this.#answered;
  }

  find(name: string): T | undefined {
    return this.#lookup(name)?.value;
  }

  #lookup(name: string): Held<T> | undefined {
    const alias = this.#aliasOf.get(name);
    return this.#held.get(name) ?? (alias === undefined ? undefined : this.#held.get(alias));
  }

  /** Whether a lookup of `name` has an answer yet (a value, or the server said it does not exist). */
  known(name: string): boolean {
    return this.#lookup(name) !== undefined || this.#absent.has(name) || (!this.onDemand && this.#answered);
  }

  snapshot(): Map<string, T> {
    return new Map([...this.#held].map(([name, h]) => [name, h.value]));
  }

  /** What it holds minus what it rejected, so the server resends the rejected ones (§3.2). */
  initialVersions(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, h] of this.#held) if (!this.#rejected.has(name)) out[name] = h.version;
    return out;
  }

  demandedNames(): string[] {
    return [...this.#demanded];
  }

  /** Records an on-demand name; true when it is new and must be subscribed on the wire. */
  demand(name: string): boolean {
    if (this.#demanded.has(name)) return false;
    this.#demanded.add(name);
    return true;
  }

  /** Forgets an on-demand name and its value; true when it was subscribed. */
  undemand(name: string): boolean {
    this.#aliasOf.delete(name);
    this.#dropAliases(name);
    this.#held.delete(name);
    this.#absent.delete(name);
    this.#rejected.delete(name);
    return this.#demanded.delete(name);
  }

  addWatcher(name: string, watcher: Watcher<T>): () => void {
    let set = this.#watchers.get(name);
    if (!set) this.#watchers.set(name, (set = new Set()));
    set.add(watcher);
    this.#replay(name, watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(name) === set) this.#watchers.delete(name);
    };
  }

  /** A late watcher learns the current state on the next microtask, never inside watch(). */
  #replay(name: string, watcher: Watcher<T>): void {
    const held = this.#lookup(name);
    const reason = this.#rejected.get(name);
    if (held) queueMicrotask(() => watcher.onChanged(held.value, name));
    else if (reason !== undefined) queueMicrotask(() => watcher.onError(rejection(name, reason), name));
    else if (this.known(name)) queueMicrotask(() => watcher.onRemoved(name));
  }

  /** The batch for the single writer: real changes only (equal values are not news) and removals of held names. */
  batchOf(decoded: DecodedResponse<T>): Batch<T> {
    const changed = decoded.changed.filter((c) => {
      const old = this.#held.get(c.name);
      return !old || this.#rejected.has(c.name) || !this.type.equal(old.value, c.value);
    });
    return { typeUrl: this.type.typeUrl, changed, removed: decoded.removed.filter((n) => this.#held.has(n)) };
  }

  /** Applies one processed response and notifies watchers; `rejected` holds decode and consumer rejections. */
  apply(decoded: DecodedResponse<T>, batch: Batch<T>, rejected: ReadonlyMap<string, string>): void {
    const news = new Set(batch.changed.map((c) => c.name));
    for (const c of decoded.changed) {
      if (rejected.has(c.name)) continue;
      this.#held.set(c.name, { version: c.version, value: c.value });
      this.#rejected.delete(c.name);
      this.#absent.delete(c.name);
      if (news.has(c.name)) this.#notify(c.name, (w) => w.onChanged(c.value, c.name));
      if (c.aliases.length > 0 || this.#aliasesOf.has(c.name)) this.#setAliases(c.name, c.aliases, news.has(c.name) ? c.value : undefined);
    }
    for (const [name, reason] of rejected) {
      this.#rejected.set(name, reason);
      this.#notify(name, (w) => w.onError(rejection(name, reason), name));
    }
    for (const name of decoded.removed) {
      const had = this.#held.delete(name);
      this.#rejected.delete(name);
      if (this.#aliasesOf.has(name)) for (const alias of this.#dropAliases(name)) this.#notify(alias, (w) => w.onRemoved(alias));
      if (this.onDemand) this.#absent.add(name);
      if (had || this.onDemand) this.#notify(name, (w) => w.onRemoved(name));
    }
    if (!this.#answered) this.#firstAnswer();
  }

  /** Records a resource's aliases; watchers of a new alias, or of any alias when the value changed, hear of it. */
  #setAliases(name: string, aliases: readonly string[], changed: T | undefined): void {
    const before = new Set(this.#dropAliases(name));
    if (aliases.length > 0) this.#aliasesOf.set(name, aliases);
    for (const alias of aliases) {
      this.#aliasOf.set(alias, name);
      this.#absent.delete(alias);
      const value = changed ?? (before.has(alias) ? undefined : this.#held.get(name)?.value);
      if (value !== undefined) this.#notify(alias, (w) => w.onChanged(value, alias));
    }
  }

  #dropAliases(name: string): readonly string[] {
    const aliases = this.#aliasesOf.get(name) ?? [];
    for (const alias of aliases) if (this.#aliasOf.get(alias) === name) this.#aliasOf.delete(alias);
    this.#aliasesOf.delete(name);
    return aliases;
  }

  /** In wildcard mode the first response is the whole state: every watched name it lacks does not exist. */
  #firstAnswer(): void {
    this.#answered = true;
    if (this.onDemand) return;
    for (const name of this.#watchers.keys()) {
      if (!this.#lookup(name) && !this.#rejected.has(name)) this.#notify(name, (w) => w.onRemoved(name));
    }
  }

  /** Tells watchers still waiting for a first value that the stream failed. */
  streamFailed(error: XdsClientError): void {
    for (const name of this.#watchers.keys()) {
      if (!this.known(name)) this.#notify(name, (w) => w.onError(error, name));
    }
  }

  #notify(name: string, call: (w: Watcher<T>) => void): void {
    for (const w of this.#watchers.get(name) ?? []) call(w);
  }
}

function rejection(name: string, reason: string): XdsClientError {
  return new XdsClientError('XDS_CLIENT_ERR_REJECTED', `resource ${name} was rejected: ${reason}`);
}
