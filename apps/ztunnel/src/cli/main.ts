// Entry point of the `ztunnel` command: the only place that reads process.argv.
import { hasCode } from '@ambient/core';
import { HELP, parseZtunnelArgs, UsageError } from './args.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const config = parseZtunnelArgs(argv);
  const { run } = await import('./run.js');
  await run(config);
  return -1; // keeps running until a signal or /quitquitquit
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    // An unreadable --token-file/--root-cert or an unavailable --capture mode is a bad flag value, like a malformed one.
    if (err instanceof UsageError || hasCode(err, 'ZTUNNEL_ERR_FILE') || hasCode(err, 'ZTUNNEL_ERR_CAPTURE')) {
      process.stderr.write(`ztunnel: ${(err as Error).message} (see 'ztunnel --help')\n`);
      process.exit(2);
    }
    process.stderr.write(`ztunnel: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
