// `npm start` (tools/start.mjs) must run on every commit: until ambientctl exists it says so honestly.
// When apps/ambientctl lands, its end-to-end test of `ambientctl up` takes over and this one stands aside.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

it.runIf(!existsSync(join(root, 'apps/ambientctl/src/main.ts')))('npm start says the local mesh is not built yet and lists every package', () => {
  const run = spawnSync(process.execPath, [join(root, 'tools/start.mjs')], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('is not built yet, so there is nothing to start');
  expect(run.stdout).toContain('@ambient/hbone');
  expect(run.stdout).toContain('@ambient/ztunnel');
});
