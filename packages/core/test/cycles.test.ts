// The repository's cycle check finds a circular import between files of one project.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../../tools/check-cycles.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'cycles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('reports a cycle with its path and exits 1', () => {
  const src = join(scratch, 'packages/demo/src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
  writeFileSync(join(src, 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
  writeFileSync(join(src, 'c.ts'), "import type { a } from './a.js';\nexport type C = typeof a;\n");
  const run = spawnSync(process.execPath, [script, scratch], { encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('circular import: packages/demo/src/a.ts -> packages/demo/src/b.ts -> packages/demo/src/a.ts');
});

it('passes on this repository', () => {
  expect(execFileSync(process.execPath, [script], { encoding: 'utf8' })).toContain('no circular imports');
});
