// Entry point of the `ambientd` command: the only place that reads process.argv and process.env.
import { AmbientError } from '@ambient/core';
import { UsageError } from './args.js';
import { CREATE_TOKEN_HELP, createTokenCommand } from './create-token.js';
import { serve, SERVE_HELP } from './serve.js';

async function main(argv: string[]): Promise<number> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (argv[0] === 'create-token') {
    if (wantsHelp) return print(CREATE_TOKEN_HELP);
    return print(`${await createTokenCommand(argv.slice(1), process.env)}\n`);
  }
  if (wantsHelp || argv[0] === 'help') return print(SERVE_HELP);
  if (argv[0] !== undefined && !argv[0].startsWith('-')) throw new UsageError(`unknown command "${argv[0]}"; expected flags or create-token`);
  await serve(argv, process.env);
  return -1; // keeps running until a signal
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`ambientd: ${err.message} (see 'ambientd --help')\n`);
      process.exit(2);
    }
    process.stderr.write(`ambientd: ${err instanceof AmbientError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
