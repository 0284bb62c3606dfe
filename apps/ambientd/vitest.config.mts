import { defineProjectConfig } from '../../tools/vitest-preset.mjs';

// @opentelemetry/* map the 'module' condition to an ESM build with extensionless imports that Node cannot load:
// resolve them as Node itself would.
const config = defineProjectConfig(import.meta.dirname);
const nodeConditions = ['@ambient/source', 'node', 'import', 'default'];
config.resolve = { ...config.resolve, conditions: nodeConditions };
config.ssr = { ...config.ssr, resolve: { conditions: nodeConditions, externalConditions: nodeConditions } };

export default config;
