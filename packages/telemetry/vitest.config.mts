import { defineProjectConfig } from '../../tools/vitest-preset.mjs';

// The 'module' condition sends @opentelemetry/* to an ESM build whose extensionless imports Node cannot load, so
// this project resolves with Node's own conditions (any project that imports @ambient/telemetry in tests needs the same).
const conditions = ['@ambient/source', 'node', 'import', 'default'];
const base = defineProjectConfig(import.meta.dirname);

export default { ...base, resolve: { ...base.resolve, conditions }, ssr: { ...base.ssr, resolve: { conditions, externalConditions: conditions } } };
