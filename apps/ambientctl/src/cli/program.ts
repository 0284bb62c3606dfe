// The command tree. Each command lives in its own file under commands/ and registers itself here.
import { Command } from 'commander';
import type { CommandContext } from './context.js';
import { registerVersion } from './commands/version.js';
import { registerUp } from './commands/up.js';
import { registerExec } from './commands/exec.js';
import { registerCreateToken } from './commands/create-token.js';
import { registerAuthz } from './commands/authz.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerZtunnelConfig } from './commands/ztunnel-config.js';
import { registerProxyStatus } from './commands/proxy-status.js';

/** Builds the program; `context` carries the process's streams and environment so tests can run commands in-process. */
export function buildProgram(context: CommandContext): Command {
  const program = new Command('ambientctl')
    .description('Run a local ambient mesh, inspect it, and explain its policy decisions.')
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => context.stdout.write(s),
      writeErr: (s) => context.stderr.write(s),
      // run.ts prints errors itself, as one sentence.
      outputError: () => undefined,
    })
    .exitOverride();
  for (const register of COMMANDS) register(program, context);
  return program;
}

/** Every command module's `register`; one line per command. */
const COMMANDS: readonly ((program: Command, context: CommandContext) => void)[] = [registerVersion, registerUp, registerExec, registerCreateToken, registerAuthz, registerAnalyze, registerZtunnelConfig, registerProxyStatus];
