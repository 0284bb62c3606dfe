// The processes of one local mesh and what can go wrong while they run: every wait is raced against a child dying
// or the user asking to stop, and stopping is always ordered (ztunnels first, then apps and ambientd).
import { join } from 'node:path';
import { binArgv } from '@ambient/core';
import { AmbientctlError } from '../errors.js';
import { describeExit, startComponent, type Component, type Exit } from './component.js';
import { logFileName } from './layout.js';
import { pollUntil } from './probes.js';

/** How long a child may take to exit after SIGTERM before it gets SIGKILL (ztunnel drains for up to 5 s). */
export const STOP_DEADLINE_MS = 8_000;

export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

export class ComponentDied extends Error {
  constructor(
    readonly component: Component,
    readonly exit: Exit,
  ) {
    super(`${component.name} exited unexpectedly (${describeExit(exit)})`);
  }
}

export class Supervisor {
  readonly #components: Component[] = [];
  readonly #abort = new AbortController();
  readonly #logsDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cwd: string;
  readonly #stopDeadlineMs: number;
  #stopping = false;
  #fail!: (err: Error) => void;
  /** Rejects with ComponentDied or Interrupted, whichever comes first; never resolves. */
  readonly trouble: Promise<never>;

  constructor(options: { logsDir: string; env: NodeJS.ProcessEnv; cwd: string; stopRequested: Promise<string>; stopDeadlineMs?: number }) {
    this.#logsDir = options.logsDir;
    this.#stopDeadlineMs = options.stopDeadlineMs ?? STOP_DEADLINE_MS;
    this.#env = options.env;
    this.#cwd = options.cwd;
    this.trouble = new Promise<never>((_, reject) => (this.#fail = reject));
    this.trouble.catch((err: Error) => this.#abort.abort(err));
    void options.stopRequested.then((signal) => this.#fail(new Interrupted(signal)));
  }

  /** Aborted once there is trouble: background loops stop on it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Starts a package bin with `args`, with the node flags its shebang names (binArgv). */
  startBin(name: string, bin: string, args: readonly string[], wrap: readonly string[] = []): Component {
    return this.start(name, binArgv(bin, args), wrap);
  }

  /** Starts `node ARGS…` (through `wrap`, e.g. `ip netns exec NS`, when given). */
  start(name: string, args: readonly string[], wrap: readonly string[] = []): Component {
    const component = startComponent(name, args, join(this.#logsDir, logFileName(name)), this.#env, this.#cwd, wrap);
    this.#components.push(component);
    void component.exited.then((exit) => {
      if (!this.#stopping) this.#fail(new ComponentDied(component, exit));
    });
    return component;
  }

  /** Waits for `check` to yield, failing on trouble or after `timeoutMs` with a sentence naming `what`. */
  async waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      return await Promise.race([pollUntil(check, AbortSignal.any([this.signal, deadline])), this.trouble]);
    } catch (err) {
      if (deadline.aborted && !this.signal.aborted) throw new AmbientctlError('AMBIENTCTL_ERR_UP', `${what} did not happen within ${timeoutMs / 1000} s`);
      throw err;
    }
  }

  /** Runs `work` unless trouble comes first. */
  guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.trouble]);
  }

  /** Stops every child: ztunnels first (they drain their tunnels), then the apps and ambientd. Idempotent. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort(new Error('stopping'));
    const isZtunnel = (c: Component): boolean => c.name.startsWith('ztunnel ');
    await Promise.all(this.#components.filter(isZtunnel).map((c) => c.stop(this.#stopDeadlineMs)));
    await Promise.all(this.#components.filter((c) => !isZtunnel(c)).map((c) => c.stop(this.#stopDeadlineMs)));
  }
}
