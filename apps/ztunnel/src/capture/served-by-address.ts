// The workloads served in iptables capture, by address, with a way to wait for one that is not served yet: a pod's
// first connections can reach ztunnel before its workload arrives over xDS or its certificate is issued, and
// ztunnel waits for it (up to 5 s, reference §1.3 step 2) rather than dropping them.

type Waiter<T> = (value: T | undefined) => void;

export class ServedByAddress<T> {
  readonly #served = new Map<string, T>();
  readonly #waiting = new Map<string, Set<Waiter<T>>>();
  readonly #maxWaiting: number;
  #waiters = 0;
  #closed = false;

  /** `maxWaiting` bounds the connections held at once for workloads not yet served; beyond it they are not held. */
  constructor(options: { maxWaiting?: number } = {}) {
    this.#maxWaiting = options.maxWaiting ?? 1024;
  }

  get size(): number {
    return this.#served.size;
  }

  get(address: string): T | undefined {
    return this.#served.get(address);
  }

  has(address: string): boolean {
    return this.#served.has(address);
  }

  keys(): IterableIterator<string> {
    return this.#served.keys();
  }

  /** Serves `value` at `address`, replacing what was there, and hands it to whoever waits for that address. */
  set(address: string, value: T): void {
    this.#served.set(address, value);
    const waiting = this.#waiting.get(address);
    if (!waiting) return;
    this.#waiting.delete(address);
    for (const wake of waiting) wake(value);
  }

  /** Removes `value` from `address` only if it is still the one served there (a successor stays). */
  delete(address: string, value: T): void {
    if (this.#served.get(address) === value) this.#served.delete(address);
  }

  /**
   * The workload at `address`: at once when served, else once it is served within `timeoutMs`. Undefined when the
   * time runs out, `cancel` fires first (the connection went away), too many wait already, or the registry closed.
   */
  whenServed(address: string, timeoutMs: number, cancel?: (stop: () => void) => void): Promise<T | undefined> {
    const served = this.#served.get(address);
    if (served !== undefined || this.#closed || this.#waiters >= this.#maxWaiting) return Promise.resolve(served);
    return new Promise((resolve) => {
      let waiting = this.#waiting.get(address);
      if (!waiting) this.#waiting.set(address, (waiting = new Set()));
      const set = waiting;
      const finish: Waiter<T> = (value) => {
        clearTimeout(timer);
        this.#waiters -= 1;
        set.delete(finish);
        if (set.size === 0 && this.#waiting.get(address) === set) this.#waiting.delete(address);
        resolve(value);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      set.add(finish);
      this.#waiters += 1;
      cancel?.(() => {
        if (set.has(finish)) finish(undefined);
      });
    });
  }

  /** How many connections wait for a workload now. */
  get waiting(): number {
    return this.#waiters;
  }

  /** Ends every wait with undefined and takes no new ones (ztunnel is stopping). */
  close(): void {
    this.#closed = true;
    for (const waiting of [...this.#waiting.values()]) for (const wake of [...waiting]) wake(undefined);
  }
}
