// `ambientctl exec NS/WORKLOAD -- CMD [ARGS…]`: runs a command whose TCP connections leave as that workload, through
// the workload's own SOCKS5 listener (ALL_PROXY=socks5h://ADDRESS:15080, the name resolved by ztunnel).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import { DEFAULT_RUN_FILE, readRunFile } from '../../run-file.js';
import { hostPort, WORKLOAD_PORTS } from '../../up/addresses.js';
import type { CommandContext } from '../context.js';

export function registerExec(program: Command, context: CommandContext): void {
  program
    .command('exec')
    .summary("run a command as a workload of the local mesh, through its ztunnel's SOCKS5 listener")
    .description(
      "Run COMMAND as workload NS/WORKLOAD of the mesh 'ambientctl up' runs: ALL_PROXY and all_proxy point at that workload's " +
        'SOCKS5 listener (socks5h://ADDRESS:15080), so curl and other proxy-aware tools connect through its ztunnel. ' +
        "Exits with COMMAND's exit code. In a mesh started with --netns, COMMAND runs inside the workload's network namespace instead.",
    )
    .usage('NS/WORKLOAD -- COMMAND [ARGS...]')
    .argument('<NS/WORKLOAD>', 'the workload to act as, e.g. default/sleep')
    .argument('[COMMAND...]', 'the command and its arguments, after --')
    .action(async (ref: string, argv: string[], _options: unknown, command: Command) => {
      // commander drops '--' from the operands; the parent's raw arguments still show whether it was given.
      const raw = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      if (!raw.includes('--') || argv.length === 0) throw usageError(`exec needs the command after '--', e.g. ambientctl exec ${ref} -- curl -s http://echo.default.mesh/`);
      const run = await readRunFile(resolve(context.cwd, DEFAULT_RUN_FILE));
      const workload = run.workloads.find((w) => `${w.namespace}/${w.name}` === ref);
      if (workload === undefined) {
        throw usageError(`no workload ${ref} in the running mesh; known: ${run.workloads.map((w) => `${w.namespace}/${w.name}`).join(', ')}`);
      }
      if (workload.netns !== undefined) {
        // Inside the workload's namespace its ztunnel captures every connection transparently: no proxy to name.
        context.exitCode = await runInherited(['ip', 'netns', 'exec', workload.netns, ...argv], { ...context.env }, context);
        return;
      }
      const proxy = `socks5h://${hostPort(workload.address, WORKLOAD_PORTS.socks5)}`;
      context.exitCode = await runInherited(argv, { ...context.env, ALL_PROXY: proxy, all_proxy: proxy }, context);
    });
}

/** Runs argv with the terminal's stdio; resolves with its exit code (128+N when killed by signal N, 127 when not found). */
function runInherited(argv: string[], env: NodeJS.ProcessEnv, context: CommandContext): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((done) => {
    const child = spawn(file, args, { stdio: 'inherit', env, cwd: context.cwd });
    child.once('error', (err: NodeJS.ErrnoException) => {
      context.stderr.write(`ambientctl: cannot run ${file}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
      done(err.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))));
  });
}
