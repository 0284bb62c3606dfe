// Entry point of the `ambientctl` command: the only place that reads process.argv, process.env and sets the exit code.
import type { CommandContext } from './context.js';
import { runCli } from './run.js';

const context: CommandContext = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
process.exitCode = await runCli(process.argv.slice(2), context);
