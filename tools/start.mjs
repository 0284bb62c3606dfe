#!/usr/bin/env node
// `npm start`: the project's main job — `ambientctl up examples/quickstart --walkthrough` in this process: a local
// mesh (ambientd, two ztunnels, a sample app), a walk-through of what it does, then running until Ctrl-C.
// Extra arguments go to `ambientctl up` (e.g. `npm start -- --netns`).
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const example = relative(process.cwd(), join(root, 'examples/quickstart')) || '.';
process.argv = [process.argv[0], 'ambientctl', 'up', example, '--walkthrough', ...process.argv.slice(2)];
await import(join(root, 'apps/ambientctl/bin/ambientctl.js'));
