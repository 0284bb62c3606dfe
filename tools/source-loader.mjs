// `node --import ./tools/source-loader.mjs file.ts` runs workspace TypeScript without a build step:
// tsx compiles, and the hook points @ambient/* imports at source.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register(new URL('./source-conditions-hook.mjs', import.meta.url));
registerTsx();
