#!/usr/bin/env -S node --min-semi-space-size=16 --heap-growing-percent=300
// `ztunnel`: the per-node L4 proxy (dist/cli/main.js; src/cli/main.ts in a checkout whose build is behind).
//
// The node flags above keep V8 out of a loop of full garbage collections that about half of the ztunnel processes
// fell into while receiving HBONE at full speed: ten a second, each started by the old-generation limit although
// the old generation was not growing (17 MB live against a 41 MB limit, recomputed the same after every collection;
// V8 starts marking once the room left is below the young generation's capacity). The receiving node then spent
// 1.6-2.6 user CPU-s per GB instead of 0.8-1.2. --min-semi-space-size=16 starts the young generation at full size:
// no loop in 6 traced processes that only downloaded, but still in 2 of 3 that uploaded first, and in the benches.
// --heap-growing-percent=300 sets the limit to 4x the live size, V8's own largest factor, so the room stays larger
// than the young generation: no loop in 3 processes that uploaded first. The old generation may then grow to about
// 70 MB before a full collection.
// Code that starts ztunnel with process.execPath passes the same flags through binArgv (@ambient/core).
import { runBin } from '@ambient/core/bin-entry';

await runBin(new URL('../', import.meta.url), 'cli/main');
