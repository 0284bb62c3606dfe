// Removing namespaces for good: processes inside are killed first (a namespace with a live process outlives
// `ip netns del`), then the namespace goes and with it its veths and iptables rules. Names carry the creating
// process id, so leftovers of a crashed run are found and removed without touching a run still alive.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runCommand, type CommandRunner } from './command.js';
import { NetnsError } from './errors.js';

const FAMILY = /^[a-z][a-z0-9]{0,15}$/;

/** `<family>-<pid>-<random>`: unique per run, and it names the process that owns the namespaces. */
export function runPrefix(family: string, pid: number = process.pid): string {
  if (!FAMILY.test(family)) throw new NetnsError('NETNS_ERR_SPEC', `prefix family must be 1-16 lower-case letters or digits starting with a letter, got ${JSON.stringify(family)}`);
  return `${family}-${pid}-${randomBytes(3).toString('hex')}`;
}

/** Names of the namespaces on this machine (first word of each `ip netns list` line). */
export async function listNamespaces(run: CommandRunner = runCommand): Promise<string[]> {
  const out = await run(['ip', 'netns', 'list']);
  return out.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/** Kills every process in each namespace, then deletes it; a namespace that is already gone is not an error. */
export async function removeNamespaces(namespaces: readonly string[], run: CommandRunner = runCommand): Promise<void> {
  const failures: string[] = [];
  for (const ns of namespaces) {
    try {
      const pids = (await run(['ip', 'netns', 'pids', ns]).catch(() => '')).split(/\s+/).filter((p) => /^\d+$/.test(p));
      for (const pid of pids) killQuietly(Number(pid));
      await run(['ip', 'netns', 'del', ns]);
    } catch (err) {
      if (!/No such file|not found|does not exist/i.test((err as Error).message)) failures.push((err as Error).message);
    }
  }
  if (failures.length > 0) throw new NetnsError('NETNS_ERR_COMMAND', `cleanup left namespaces behind: ${failures.join('; ')}`);
}

/** Removes every namespace starting with `prefix-`; returns their names. */
export async function removeByPrefix(prefix: string, run: CommandRunner = runCommand): Promise<string[]> {
  const doomed = (await listNamespaces(run)).filter((n) => n.startsWith(`${prefix}-`));
  await removeNamespaces(doomed, run);
  return doomed;
}

/**
 * Removes namespaces of `family` whose owning process (the pid in their name) is no longer running: what a run that
 * was killed before its cleanup left behind. Namespaces of live runs stay.
 */
export async function removeLeftovers(family: string, run: CommandRunner = runCommand): Promise<string[]> {
  const owned = new RegExp(`^${family}-(\\d+)-[0-9a-f]+-`);
  const doomed = (await listNamespaces(run)).filter((n) => {
    const pid = owned.exec(n)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  });
  await removeNamespaces(doomed, run);
  return doomed;
}

/** The same removal, synchronous, for a process 'exit' handler (no event loop left there). */
export function removeNamespacesSync(namespaces: readonly string[]): void {
  for (const ns of namespaces) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) killQuietly(Number(pid));
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number): void {
  if (pid === process.pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
