// The README's CLI tour as data: the shell lines between the tour markers, each with the exit it promises
// ('# denied' → non-zero, anything else → 0), so a test runs exactly what a reader would type.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './up-process.js';

export interface TourLine {
  readonly line: string;
  /** The command without the trailing comment. */
  readonly command: string;
  readonly expectFailure: boolean;
}

export function readmeTour(): TourLine[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('<!-- tour:start');
  const end = text.indexOf('<!-- tour:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- tour:start --> … <!-- tour:end --> block');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start, end))?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const hash = line.indexOf(' #');
      const comment = hash < 0 ? '' : line.slice(hash);
      return { line, command: (hash < 0 ? line : line.slice(0, hash)).trim(), expectFailure: comment.includes('# denied') };
    });
}
