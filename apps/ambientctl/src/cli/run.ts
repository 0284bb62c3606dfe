// Runs one ambientctl command line against a context and maps every outcome to an exit code.
import { CommanderError } from 'commander';
import { AmbientError } from '@ambient/core';
import { AmbientctlError } from '../errors.js';
import type { CommandContext } from './context.js';
import { buildProgram } from './program.js';

/** Runs one command line and returns the exit code: 0 ok, 1 failure (or DENY), 2 bad usage. */
export async function runCli(argv: readonly string[], context: CommandContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode ?? 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander has already printed them.
      if (err.exitCode === 0) return 0;
      // A command group run without a subcommand: commander has printed its help to stderr; that is bad usage.
      if (err.code === 'commander.help') return 2;
      context.stderr.write(`ambientctl: ${oneSentence(err.message)} (see 'ambientctl --help')\n`);
      return 2;
    }
    if (err instanceof AmbientctlError && err.code === 'AMBIENTCTL_ERR_USAGE') {
      context.stderr.write(`ambientctl: ${err.message} (see 'ambientctl --help')\n`);
      return 2;
    }
    const message = err instanceof AmbientError || err instanceof Error ? err.message : String(err);
    context.stderr.write(`ambientctl: ${message}\n`);
    return 1;
  }
}

/** commander prefixes "error: " and sometimes adds lines; keep the first sentence only. */
function oneSentence(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/^error: /, '');
}
