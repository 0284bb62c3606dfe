// Runs ambientctl in-process with captured streams, for command tests.
import { Writable } from 'node:stream';
import { runCli, type CommandContext } from '../../src/index.js';

/** Runs ambientctl in-process and captures what it prints. */
export async function run(argv: string[], env: Record<string, string> = {}, cwd: string = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({ write: (chunk: Buffer, _enc, done) => (append(chunk.toString()), done()) });
  const context: CommandContext = {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env,
    cwd,
  };
  const code = await runCli(argv, context);
  return { code, out, err };
}
