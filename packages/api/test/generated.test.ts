// The committed generated code must match what the generator makes from the committed .proto files.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('generated TypeScript is not stale', () => {
  const root = join(import.meta.dirname, '../../..');
  const out = execFileSync(process.execPath, [join(root, 'tools/generate-api.mjs'), '--check'], { encoding: 'utf8' });
  expect(out).toContain('up to date');
}, 60_000);
