#!/usr/bin/env node
// `ambientctl`: the mesh CLI (src/cli/main.ts in a checkout, dist/cli/main.js once built and installed).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
