#!/usr/bin/env node
// `npm start`: the project's main job. Until the local mesh (ambientctl up) exists, say honestly what is there.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const upEntry = join(root, 'apps/ambientctl/src/main.ts');

if (existsSync(upEntry)) {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    ['--import', join(root, 'tools/source-loader.mjs'), upEntry, 'up', join(root, 'examples/quickstart'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  console.log('The local mesh (`ambientctl up examples/quickstart`) is not built yet, so there is nothing to start.');
  console.log('What exists today:');
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      console.log(`  ${pkg.name.padEnd(22)} ${pkg.description ?? ''}`);
    }
  }
  console.log('Run `npm test` to exercise them; the README\'s "Try it by hand" runs ambientd and a ztunnel.');
}
