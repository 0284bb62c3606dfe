// Runs one system command (ip, iptables, sysctl) without a shell, asynchronously; a failure is a NetnsError that
// carries the command line and its stderr.
import { spawn } from 'node:child_process';
import { NetnsError } from './errors.js';

/** Runs argv[0] with the rest as arguments; resolves with stdout. */
export type CommandRunner = (argv: readonly string[]) => Promise<string>;

/** The default runner: async spawn, stdout collected, stderr kept for the error message. */
export const runCommand: CommandRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (command === undefined) {
      reject(new NetnsError('NETNS_ERR_COMMAND', 'empty command line'));
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (err) => {
      reject(new NetnsError('NETNS_ERR_COMMAND', `cannot run \`${argv.join(' ')}\`: ${err.message} (are iproute2 and iptables installed?)`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new NetnsError('NETNS_ERR_COMMAND', `\`${argv.join(' ')}\` failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
    });
  });

/** Runs argv inside network namespace `ns` through `ip netns exec`. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}
