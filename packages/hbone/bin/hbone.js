#!/usr/bin/env node
// `hbone`: the HBONE command (src/cli/main.ts in a checkout, dist/cli/main.js once built and installed).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
