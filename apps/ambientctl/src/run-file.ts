// `.ambient/run.json`: what `ambientctl up` started and where it listens, so other commands find the local mesh
// without flags. Written once the mesh is ready; removed when it stops.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AmbientctlError } from './errors.js';

export const DEFAULT_RUN_FILE = '.ambient/run.json';

export interface RunFile {
  readonly version: 1;
  /** Absolute path of the example directory `up` was given. */
  readonly dir: string;
  readonly mode: 'loopback' | 'netns';
  readonly startedAt: string;
  /** Process id of the `ambientctl up` supervisor. */
  readonly pid: number;
  readonly ambientd: {
    readonly pid: number;
    readonly grpc: string;
    readonly debug: string;
    readonly stateDir: string;
    readonly rootCert: string;
    /** Set in --netns mode: the control plane's network namespace (grpc is on the wire, debug on its loopback). */
    readonly netns?: string;
  };
  readonly ztunnels: readonly {
    readonly node: string;
    readonly pid: number;
    readonly admin: string;
    readonly metrics: string;
    readonly readiness: string;
    /** Set in --netns mode: the node's network namespace. */
    readonly netns?: string;
  }[];
  /** The mesh's workloads as `up` placed them: `exec` uses these to pick the SOCKS5 address or namespace. */
  readonly workloads: readonly {
    readonly namespace: string;
    readonly name: string;
    readonly address: string;
    readonly node: string;
    readonly netns?: string;
  }[];
  /** Sample applications `up` runs for the example. */
  readonly apps: readonly { readonly workload: string; readonly pid: number; readonly listen: string }[];
}

export async function writeRunFile(path: string, run: RunFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(run, null, 2)}\n`);
  await rename(tmp, path);
}

export async function removeRunFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Reads the run file; a missing one means no local mesh is running, which the message says. */
export async function readRunFile(path: string = DEFAULT_RUN_FILE): Promise<RunFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', `no local mesh is running (${resolve(path)} does not exist); start one with 'ambientctl up DIR' or pass --admin HOST:PORT`);
    }
    throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', `cannot read ${resolve(path)}: ${(err as Error).message}`);
  }
  let run: unknown;
  try {
    run = JSON.parse(text);
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', `${resolve(path)} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof run !== 'object' || run === null || (run as { version?: unknown }).version !== 1) {
    throw new AmbientctlError('AMBIENTCTL_ERR_NO_MESH', `${resolve(path)} is not an ambientctl run file (version 1)`);
  }
  return run as RunFile;
}
