#!/usr/bin/env node
// `ambientctl`: the mesh CLI (dist/cli/main.js; src/cli/main.ts in a checkout whose build is behind).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
