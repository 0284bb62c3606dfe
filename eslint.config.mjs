// Lint rules for every project. Module boundaries are checked by machine:
// - Nx project tags (package.json "nx.tags") with explicit dependency constraints;
// - Node networking built-ins and gRPC banned in domain packages (Nx's rule does not see built-ins).
import nx from '@nx/eslint-plugin';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;

/** Project folders whose package.json carries the given tag. */
function projectsTagged(tag) {
  return ['packages', 'apps'].flatMap((group) => {
    const dir = join(root, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => {
        const file = join(dir, name, 'package.json');
        return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')).nx?.tags ?? []).includes(tag);
      })
      .map((name) => `${group}/${name}`);
  });
}

const domainSources = projectsTagged('type:domain').map((p) => `${p}/src/**/*.ts`);

export const bannedInDomain = [
  { name: 'node:net', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'node:tls', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'node:http2', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'node:dgram', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'net', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'tls', message: 'domain packages know no sockets: move this to a protocol package or an app' },
  { name: 'http2', message: 'domain packages know no sockets: move this to a protocol package or an app' },
];

export default [
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/src/gen/**', '**/.nx', '**/vitest.config.*.timestamp*'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          checkNestedExternalImports: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/tools/.*\\.mjs$'],
          depConstraints: [
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract'] },
            {
              sourceTag: 'type:protocol',
              onlyDependOnLibsWithTags: ['type:protocol', 'type:domain', 'type:contract'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:testing', 'type:protocol', 'type:domain', 'type:contract'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:protocol', 'type:domain', 'type:contract', 'type:testing'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: domainSources,
    rules: {
      'no-restricted-imports': ['error', { paths: bannedInDomain, patterns: [{ group: ['@grpc/*', '@connectrpc/*'], message: 'domain packages know no gRPC: move this to a protocol package or an app' }] }],
    },
  },
];
