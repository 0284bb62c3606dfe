#!/usr/bin/env node
// Creates a project skeleton that follows the workspace conventions.
// Usage: node tools/new-package.mjs packages|apps NAME TAG "one-line description"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [group, name, tag, description] = process.argv.slice(2);
const tags = ['contract', 'domain', 'protocol', 'app', 'testing'];
if (!['packages', 'apps'].includes(group ?? '') || !/^[a-z][a-z0-9-]*$/.test(name ?? '') || !tags.includes(tag ?? '') || !description) {
  console.error(`usage: new-package.mjs packages|apps NAME ${tags.join('|')} "description"`);
  process.exit(2);
}
const dir = join(import.meta.dirname, '..', group, name);
if (existsSync(dir)) {
  console.error(`${group}/${name} exists already`);
  process.exit(2);
}
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const files = {
  'package.json': json({
    name: `@ambient/${name}`,
    version: '0.0.0',
    description,
    license: 'Apache-2.0',
    type: 'module',
    exports: {
      '.': { '@ambient/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist'],
    nx: { tags: [`type:${tag}`] },
    dependencies: {},
  }),
  'tsconfig.json': json({
    extends: '../../tsconfig.base.json',
    files: [],
    include: [],
    references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
  }),
  'tsconfig.lib.json': json({
    extends: '../../tsconfig.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/tsconfig.lib.tsbuildinfo' },
    include: ['src/**/*.ts'],
    references: [],
  }),
  'tsconfig.spec.json': json({
    extends: '../../tsconfig.base.json',
    compilerOptions: {
      outDir: './out-tsc/spec',
      tsBuildInfoFile: './out-tsc/spec/tsconfig.spec.tsbuildinfo',
      noEmit: false,
      emitDeclarationOnly: true,
    },
    include: ['test/**/*.ts', 'bench/**/*.ts'],
    references: [{ path: './tsconfig.lib.json' }],
  }),
  'vitest.config.mts': "import { defineProjectConfig } from '../../tools/vitest-preset.mjs';\n\nexport default defineProjectConfig(import.meta.dirname);\n",
  'eslint.config.mjs': "export { default } from '../../eslint.config.mjs';\n",
  'src/index.ts': `// @ambient/${name}: ${description}\nexport {};\n`,
};
for (const [file, text] of Object.entries(files)) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}
mkdirSync(join(dir, 'test'), { recursive: true });
console.log(`created ${group}/${name}; now run: npm install && npx nx sync`);
