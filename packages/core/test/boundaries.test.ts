// Module boundaries are enforced by lint: a domain package that imports a socket module fails.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

it('lint refuses node:net, node:tls, node:http2 and gRPC in a domain package', async () => {
  const eslint = new ESLint({ cwd: root });
  const code = [
    "import { connect } from 'node:net';",
    "import * as tls from 'node:tls';",
    "import { connect as h2 } from 'node:http2';",
    "import * as grpc from '@grpc/grpc-js';",
    'export const all = [connect, tls, h2, grpc];',
    '',
  ].join('\n');
  const [result] = await eslint.lintText(code, { filePath: join(root, 'packages/core/src/violation.ts') });
  const restricted = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports');
  expect(restricted.map((m) => m.line)).toEqual([1, 2, 3, 4]);
  expect(restricted[0]?.message).toContain('domain packages know no sockets');
}, 60_000);

it('lint allows the same imports outside domain packages', async () => {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText("import { connect } from 'node:net';\nexport const c = connect;\n", {
    filePath: join(root, 'packages/api/src/violation.ts'),
  });
  expect((result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports')).toEqual([]);
}, 60_000);
