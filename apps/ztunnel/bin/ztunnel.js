#!/usr/bin/env node
// `ztunnel`: in a workspace checkout runs the TypeScript source (no build step); installed, the built dist/.
import { existsSync } from 'node:fs';

const pkg = new URL('../', import.meta.url);
if (existsSync(new URL('src/cli/main.ts', pkg))) {
  const { runSource } = await import('../../../tools/bin-entry.mjs');
  await runSource(pkg, 'cli/main');
} else {
  await import('../dist/cli/main.js');
}
