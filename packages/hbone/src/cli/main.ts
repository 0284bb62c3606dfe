// Entry point of the `hbone` command.
import { AmbientError } from '@ambient/core';
import { UsageError } from './args.js';
import { connect, CONNECT_HELP } from './connect.js';
import { serve, SERVE_HELP } from './serve.js';

const HELP = `usage: hbone <command> [flags]

HBONE is the ambient mesh's transport: HTTP/2 CONNECT over mutual TLS 1.3 with SPIFFE identities.
commands:
  serve     terminate HBONE and pipe each tunnel to its :authority
  connect   open one tunnel and pipe stdin/stdout through it
Run 'hbone <command> --help' for its flags.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  switch (command) {
    case 'serve':
      if (wantsHelp) return print(SERVE_HELP);
      await serve(rest);
      return -1; // keeps running until a signal
    case 'connect':
      if (wantsHelp) return print(CONNECT_HELP);
      return connect(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return print(HELP);
    default:
      throw new UsageError(`unknown command "${command}"; expected serve or connect`);
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

// A finished command exits at once: open stdin or idle pooled sockets must not keep it alive.
main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`hbone: ${err.message} (see 'hbone --help')\n`);
      process.exit(2);
    }
    process.stderr.write(`hbone: ${err instanceof AmbientError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
