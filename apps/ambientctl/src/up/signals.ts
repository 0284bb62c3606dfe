// Ctrl-C and SIGTERM for the long-running commands (up, sample-app): the first one asks for a stop, later ones are
// swallowed while the stop runs (`npm start` forwards the terminal's Ctrl-C a second time), so children never
// outlive their supervisor because it died mid-drain. A sample app also stops when its supervisor is gone.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopSignal {
  /** Resolves with the first signal's name. */
  readonly requested: Promise<string>;
  /** Removes the handlers once the command is done. */
  dispose(): void;
}

/** With `watchParent`, a change of parent (the supervisor died and the process was re-parented) also asks for a stop. */
export function listenForStop(options: { watchParent?: boolean } = {}): StopSignal {
  let resolve!: (signal: string) => void;
  const requested = new Promise<string>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => resolve(signal);
  for (const signal of SIGNALS) process.on(signal, handler);
  const parent = process.ppid;
  const timer = options.watchParent ? setInterval(() => process.ppid !== parent && resolve('the parent process exited'), 1_000) : undefined;
  timer?.unref();
  return {
    requested,
    dispose: () => {
      clearInterval(timer);
      SIGNALS.forEach((signal) => process.off(signal, handler));
    },
  };
}
