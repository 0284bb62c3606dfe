// Real `ambientctl` processes for the end-to-end tests: output captured, waits on a line, exit observed, and a check
// that every process a run file names is gone.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunFile } from '../src/index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const AMBIENTCTL = fileURLToPath(new URL('../bin/ambientctl.js', import.meta.url));

export interface Spawned {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process exited and every holder of its stdout and stderr (grandchildren too) closed them. */
  readonly closed: Promise<void>;
  /** Resolves once stdout contains `text`; rejects with both streams if the process exits first or time runs out. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
}

/** Spawns `command args` in its own process group (so a Ctrl-C can be sent to the group, as a terminal does). */
export function spawnProcess(command: string, args: readonly string[], cwd: string): Spawned {
  const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (s: string) => ((out += s), waiters.forEach((w) => w())));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waitForOutput = (text: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!out.includes(text)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => (cleanup(), reject(new Error(`no "${text}" within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void exited.then((e) => (cleanup(), reject(new Error(`exited (${JSON.stringify(e)}) before "${text}"\nstdout:\n${out}\nstderr:\n${err}`))));
      check();
    });
  return { child, out: () => out, err: () => err, exited, closed, waitForOutput };
}

export function spawnAmbientctl(args: readonly string[], cwd: string): Spawned {
  return spawnProcess(process.execPath, [AMBIENTCTL, ...args], cwd);
}

/** Runs `ambientctl args` in `cwd` to completion (at most 60 s); the exit code instead of a throw. */
export async function ambientctl(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [AMBIENTCTL, ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Process ids in a run file that still exist. */
export function livePids(run: RunFile): number[] {
  const pids = [run.pid, run.ambientd.pid, ...run.ztunnels.map((z) => z.pid), ...run.apps.map((a) => a.pid)];
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}
