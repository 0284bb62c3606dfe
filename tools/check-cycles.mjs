#!/usr/bin/env node
// Fails on circular imports between files of one project (Nx's module-boundary rule catches cycles between
// projects). Usage: node tools/check-cycles.mjs [ROOT]; prints each cycle and exits 1 if any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^'"`;]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => /\.(ts|mts)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('node_modules') && statSync(f).isFile());
}

function edgesOf(file) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const base = resolve(dirname(file), spec).replace(/\.m?js$/, '');
    const target = [`${base}.ts`, `${base}.mts`, join(base, 'index.ts')].find((f) => existsSync(f));
    if (target) targets.push(target);
  }
  return targets;
}

export function findCycles(files) {
  const graph = new Map(files.map((f) => [f, edgesOf(f)]));
  const state = new Map(); // 1 = on stack, 2 = done
  const cycles = [];
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

const projects = ['packages', 'apps'].flatMap((g) =>
  existsSync(join(root, g)) ? readdirSync(join(root, g)).map((p) => join(root, g, p, 'src')) : [],
);
const cycles = projects.flatMap((dir) => findCycles(sourceFiles(dir)));
for (const cycle of cycles) console.error(`circular import: ${cycle.map((f) => relative(root, f)).join(' -> ')}`);
if (cycles.length > 0) process.exit(1);
console.log(`no circular imports in ${projects.length} projects`);
