// Reuses the Address built by the previous update when everything it was built from is the same (objects of
// unchanged files keep their identity), so an edit rebuilds only what it touches and consumers can skip re-encoding
// resources that are the same object as before.
import type { Address } from '@ambient/api/workload';

interface Entry {
  readonly deps: readonly unknown[];
  readonly value: Address;
}

export class AddressMemo {
  #previous = new Map<string, Entry>();
  #next = new Map<string, Entry>();

  /** The previous value for `name` when every dependency is identical (===), else a newly built one. */
  get(name: string, deps: readonly unknown[], build: () => Address): Address {
    const old = this.#previous.get(name);
    const entry = old !== undefined && sameDeps(old.deps, deps) ? old : { deps, value: build() };
    this.#next.set(name, entry);
    return entry.value;
  }

  /** Ends an update: what was not asked for this time is forgotten. */
  commit(): void {
    this.#previous = this.#next;
    this.#next = new Map();
  }

  /** Drops a half-done update (translation failed): the previous entries stay. */
  abandon(): void {
    this.#next = new Map();
  }
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
