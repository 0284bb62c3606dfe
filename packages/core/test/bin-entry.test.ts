import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binEntryUrl, runBin, staleBuild } from '../bin-entry.mjs';

const base = mkdtempSync(join(tmpdir(), 'bin-entry-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const T0 = new Date('2026-01-01T00:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

function write(file: string, text: string, at: Date): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, at, at);
}

const BUILD_INFO = JSON.stringify({ fileNames: [], options: { composite: true, outDir: './' }, version: '6.0.3' });

/** A workspace of two built packages: sources at T0, outputs and build records a second later. */
function workspace(name: string): { root: string; url: (pkg: string) => URL } {
  const root = join(base, name);
  write(join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/*', 'apps/*'] }), T0);
  for (const [pkg, files] of [
    ['packages/lib', ['index', 'deep/inner']],
    ['apps/tool', ['cli/main']],
  ] as const) {
    for (const f of files) {
      write(join(root, pkg, 'src', `${f}.ts`), 'export {};\n', T0);
      write(join(root, pkg, 'dist', `${f}.js`), 'export {};\n', later(1));
    }
    write(join(root, pkg, 'dist/tsconfig.lib.tsbuildinfo'), BUILD_INFO, later(1));
  }
  mkdirSync(join(root, 'packages/docs-only'), { recursive: true }); // no src/: not a built package
  return { root, url: (pkg) => pathToFileURL(join(root, pkg) + '/') };
}

describe('binEntryUrl', () => {
  it('runs dist/ when every package has been built since its sources last changed', () => {
    const { root, url } = workspace('current');
    expect(staleBuild(root)).toBeUndefined();
    expect(binEntryUrl(url('apps/tool'), 'cli/main', pathToFileURL(root + '/')).pathname).toMatch(/apps\/tool\/dist\/cli\/main\.js$/);
  });

  it('runs the source when a source file changed after its package was built, and names it', () => {
    const { root, url } = workspace('edited');
    utimesSync(join(root, 'packages/lib/src/deep/inner.ts'), later(5), later(5));
    expect(staleBuild(root)).toMatch(/packages\/lib\/src\/deep\/inner\.ts changed after .*packages\/lib's last build/);
    // A change in any package (here a dependency of the bin's) sends every bin to source.
    expect(binEntryUrl(url('apps/tool'), 'cli/main', pathToFileURL(root + '/')).pathname).toMatch(/apps\/tool\/src\/cli\/main\.ts$/);
  });

  it('counts a rebuild that emitted nothing new (tsc keeps an output whose source changed only in time)', () => {
    const { root } = workspace('touched');
    utimesSync(join(root, 'packages/lib/src/index.ts'), later(5), later(5));
    utimesSync(join(root, 'packages/lib/dist/tsconfig.lib.tsbuildinfo'), later(6), later(6));
    expect(staleBuild(root)).toBeUndefined();
  });

  it('runs the source when a source file has no output yet', () => {
    const { root } = workspace('added');
    write(join(root, 'apps/tool/src/cli/new-command.ts'), 'export {};\n', T0);
    expect(staleBuild(root)).toMatch(/apps\/tool\/src\/cli\/new-command\.ts has no .*apps\/tool\/dist\/cli\/new-command\.js/);
  });

  it('runs the source when a package was never built, or its last build emitted only declarations', () => {
    const never = workspace('never');
    rmSync(join(never.root, 'apps/tool/dist/tsconfig.lib.tsbuildinfo'));
    expect(staleBuild(never.root)).toMatch(/apps\/tool has never been built \(no dist\/tsconfig\.lib\.tsbuildinfo\)/);

    const typechecked = workspace('typechecked');
    const info = join(typechecked.root, 'packages/lib/dist/tsconfig.lib.tsbuildinfo');
    write(info, BUILD_INFO.replace('"composite":true', '"composite":true,"emitDeclarationOnly":true'), later(9));
    expect(readFileSync(info, 'utf8')).toContain('"emitDeclarationOnly":true');
    expect(staleBuild(typechecked.root)).toMatch(/packages\/lib's last build emitted no JavaScript/);
  });

  it('ignores declaration files and files that are not TypeScript under src/', () => {
    const { root } = workspace('declarations');
    write(join(root, 'packages/lib/src/types.d.ts'), 'export {};\n', later(9));
    write(join(root, 'packages/lib/src/README.md'), '# notes\n', later(9));
    expect(staleBuild(root)).toBeUndefined();
  });

  it('runs the source, saying why, when the workspace manifest is unreadable or lists no workspaces', () => {
    const broken = workspace('broken-manifest');
    writeFileSync(join(broken.root, 'package.json'), '{ "workspaces": [');
    expect(staleBuild(broken.root)).toMatch(/cannot list the workspace's packages: .*JSON/);
    const none = workspace('no-workspaces');
    writeFileSync(join(none.root, 'package.json'), JSON.stringify({ name: 'x', workspaces: 'packages/*' }));
    expect(staleBuild(none.root)).toMatch(/lists no "workspaces" patterns/);
    expect(binEntryUrl(none.url('apps/tool'), 'cli/main', pathToFileURL(none.root + '/')).pathname).toMatch(/src\/cli\/main\.ts$/);
  });

  it('runs dist/ in an installed package, which has no src/, whatever the workspace says', () => {
    const { root } = workspace('installed-elsewhere');
    const installed = join(base, 'node_modules/@x/tool');
    write(join(installed, 'dist/cli/main.js'), 'export {};\n', T0);
    writeFileSync(join(root, 'package.json'), 'not json');
    expect(binEntryUrl(pathToFileURL(installed + '/'), 'cli/main', pathToFileURL(root + '/')).pathname).toMatch(/node_modules\/@x\/tool\/dist\/cli\/main\.js$/);
  });
});

describe('runBin', () => {
  it("imports an installed package's built entry", async () => {
    const pkg = join(base, 'node_modules/@x/marker');
    const marker = join(base, 'marker.txt');
    write(join(pkg, 'dist/cli/main.js'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n`, T0);
    await runBin(pathToFileURL(pkg + '/'), 'cli/main');
    expect(readFileSync(marker, 'utf8')).toBe('ran');
  });
});
