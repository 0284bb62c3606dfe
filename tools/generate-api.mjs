#!/usr/bin/env node
// Regenerates packages/api/src/gen from packages/api/proto with buf + protoc-gen-es.
// `--check` generates into a scratch folder and exits 1 if the committed code differs (stale).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const apiDir = join(root, 'packages/api');
const committed = join(apiDir, 'src/gen');
const bin = join(root, 'node_modules/.bin');

function generate(outDir) {
  execFileSync(join(bin, 'buf'), ['generate', '--output', outDir], {
    cwd: apiDir,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

if (process.argv.includes('--check')) {
  const scratch = mkdtempSync(join(tmpdir(), 'ambient-api-'));
  try {
    generate(scratch);
    const fresh = join(scratch, 'src/gen');
    const a = listFiles(fresh);
    const b = listFiles(committed);
    const stale = [...new Set([...a, ...b])].filter(
      (f) => !a.includes(f) || !b.includes(f) || !readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))),
    );
    if (stale.length > 0) {
      console.error(`generated code is stale in ${relative(root, committed)}: ${stale.join(', ')}; run \`npm run generate\``);
      process.exit(1);
    }
    console.log('generated code is up to date');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  rmSync(committed, { recursive: true, force: true });
  generate('.');
}
