#!/usr/bin/env -S node --min-semi-space-size=16
// `ztunnel`: the per-node L4 proxy (src/cli/main.ts in a checkout, dist/cli/main.js once built and installed).
//
// The node flag above starts V8's young generation at its full size (16 MiB semi-spaces) instead of growing it from
// 1 MiB. Without it, about half of the ztunnel processes fell into a loop of full garbage collections while they
// received HBONE at full speed: ten a second, each started by V8's old-generation limit although the old generation
// was not growing (17 MB live against a 42 MB limit). The receiving node then spent 1.6-2.6 user CPU-s per GB
// instead of 0.8-1.2. With the flag, no full collection ran during the transfers in 8 such processes.
// Code that starts ztunnel with process.execPath passes the same flags through binArgv (@ambient/core).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
