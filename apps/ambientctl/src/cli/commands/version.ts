// `ambientctl version`: the CLI's version, as `istioctl version --remote=false` prints it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export function registerVersion(program: Command, context: CommandContext): void {
  program
    .command('version')
    .description('print the ambientctl version')
    .action(() => {
      context.stdout.write(`client version: ${pkg.version}\n`);
    });
}
