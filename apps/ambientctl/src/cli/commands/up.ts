// `ambientctl up [DIR] [--netns] [--walkthrough]` and the hidden `sample-app` command that runs an example's apps.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import { listenForStop } from '../../up/signals.js';
import type { CommandContext } from '../context.js';

const DEFAULT_EXAMPLE = 'examples/quickstart';

export function registerUp(program: Command, context: CommandContext): void {
  const line = (stream: NodeJS.WritableStream) => (text: string) => void stream.write(`${text}\n`);
  program
    .command('up')
    .summary('run a local mesh from an example directory until Ctrl-C')
    .description(
      'Run a local mesh from an example directory: ambientd, one ztunnel per node named in DIR/mesh (label ambient.dev/node), ' +
        "and the sample apps of DIR/example.yaml, each its own process with its log in .ambient/logs/. Prints 'mesh ready' once " +
        'everything answers, writes .ambient/run.json, and runs until Ctrl-C, which stops everything (ztunnels first).',
    )
    .argument('[DIR]', 'example directory with mesh/*.yaml and an optional example.yaml', DEFAULT_EXAMPLE)
    .option('--netns', 'run each node and workload in its own network namespace, ztunnels capturing with iptables (Linux, root); workloads get 10.x addresses and 127.x VIPs become 10.x')
    .option('--walkthrough', "after 'mesh ready', show certificates, an allowed and a denied request, and the metrics (npm start does)")
    .action(async (dir: string, options: { netns?: boolean; walkthrough?: boolean }) => {
      if (options.netns && (process.platform !== 'linux' || process.getuid?.() !== 0)) {
        throw usageError('--netns creates network namespaces and iptables rules, which needs root on Linux; run it as root, or without --netns for the loopback mesh');
      }
      // A closed terminal or a dead pipe must not crash the supervisor mid-stop and orphan its children.
      for (const stream of [context.stdout, context.stderr]) stream.on('error', () => undefined);
      const stop = listenForStop();
      try {
        // Loaded here, not at start-up: every other command (exec above all) starts faster without the mesh runner.
        const { runUp } = await import('../../up/run-up.js');
        await runUp({
          dir: resolve(context.cwd, dir),
          cwd: context.cwd,
          env: { ...context.env },
          print: line(context.stdout),
          warn: line(context.stderr),
          walkthrough: options.walkthrough === true,
          netns: options.netns === true,
          commands: program.commands.map((c) => c.name()),
          stopRequested: stop.requested,
        });
      } finally {
        stop.dispose();
      }
    });

  program
    .command('sample-app', { hidden: true })
    .description('Run one of an example\'s sample apps until SIGTERM (up starts these; not for direct use).')
    .argument('<KIND>', 'http-echo')
    .requiredOption('--workload <NS/NAME>', 'the workload the app serves as')
    .requiredOption('--listen <HOST:PORT>', 'where it listens')
    .action(async (kind: string, options: { workload: string; listen: string }) => {
      if (kind !== 'http-echo') throw usageError(`unknown sample app "${kind}"; the only one is http-echo`);
      const stop = listenForStop({ watchParent: true });
      try {
        const { startHttpEcho } = await import('../../up/sample-app.js');
        const app = await startHttpEcho(options.workload, options.listen);
        line(context.stdout)(`${options.workload} (http-echo) listening on ${app.address}`);
        await stop.requested;
        await app.close();
      } finally {
        stop.dispose();
      }
    });
}
