import { defineProjectConfig } from '../../tools/vitest-preset.mjs';

export default defineProjectConfig(import.meta.dirname);
