// One supervised child process of `up`: its own process group (so a terminal's Ctrl-C reaches only the supervisor,
// which then stops children in order), stdout and stderr to its log file, and a bounded stop.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Component {
  /** 'ambientd', 'ztunnel node-a', 'app default/echo'. */
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<Exit>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL once `deadlineMs` passed; resolves when the process is gone. */
  stop(deadlineMs: number): Promise<Exit>;
  /** The last `count` lines of its log, for a report when it dies. */
  tail(count: number): Promise<string[]>;
}

/**
 * Starts `node ARGS…` with its output in `logFile` (truncated). `wrap` runs it through another command that execs it
 * in place (`ip netns exec NS`), so the pid is still node's.
 */
export function startComponent(name: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv, cwd: string, wrap: readonly string[] = []): Component {
  const fd = openSync(logFile, 'w');
  const [command, ...argv] = [...wrap, process.execPath, ...args] as [string, ...string[]];
  let child;
  try {
    child = spawn(command, argv, { stdio: ['ignore', fd, fd], detached: true, env, cwd });
  } finally {
    closeSync(fd);
  }
  let running = true;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    // A spawn failure (no such executable) reports no exit; treat it as one.
    child.once('error', () => {
      running = false;
      resolve({ code: null, signal: null });
    });
  });
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    logFile,
    exited,
    isRunning: () => running,
    stop: async (deadlineMs) => {
      if (!running) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
    tail: (count) => tailLines(logFile, count),
  };
}

/** The last lines of a file, reading at most its last 16 KiB. */
async function tailLines(file: string, count: number): Promise<string[]> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return [];
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 16_384);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-count);
  } finally {
    await handle.close();
  }
}

/** 'exit code 1', 'signal SIGKILL'. */
export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : exit.code === null ? 'a failure to start' : `exit code ${exit.code}`;
}
