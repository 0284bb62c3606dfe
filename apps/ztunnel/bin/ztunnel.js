#!/usr/bin/env node
// `ztunnel`: the per-node L4 proxy (src/cli/main.ts in a checkout, dist/cli/main.js once built and installed).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
