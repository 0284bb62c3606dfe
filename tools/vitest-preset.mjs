// The one vitest setup every project shares: resolve workspace packages to their TypeScript source.
import { defineConfig } from 'vitest/config';

// Node's own conditions plus our source one. Not 'module': @opentelemetry/* map it to an ESM build with
// extensionless imports that Node cannot load.
const conditions = ['@ambient/source', 'node', 'import', 'default'];

/** @param {string} dir the project's folder; @param {import('vitest/config').UserConfig['test']} [test] */
export function defineProjectConfig(dir, test = {}) {
  return defineConfig({
    root: dir,
    cacheDir: '../../node_modules/.vite/' + dir.split('/').slice(-2).join('-'),
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 20_000,
      hookTimeout: 30_000,
      // The JSON report feeds tools/test-summary.mjs, which prints the closing 'N passed, N failed' line.
      reporters: ['default', ['json', { outputFile: `../../tmp/test-results/${dir.split('/').slice(-2).join('-')}.json` }]],
      ...test,
    },
  });
}
