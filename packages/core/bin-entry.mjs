// Start-up shared by every package bin: in a workspace checkout run the TypeScript source (tsx, with @ambient/*
// resolved to source), so `npx <bin>` works right after `npm ci`; in an installed package run the built dist/.
import { existsSync } from 'node:fs';

/** @param {URL} packageUrl the package folder; @param {string} entry path under src/ (or dist/) without extension */
export async function runBin(packageUrl, entry) {
  const source = new URL(`src/${entry}.ts`, packageUrl);
  if (existsSync(source)) {
    await import(new URL('../../tools/source-loader.mjs', import.meta.url).href);
    await import(source.href);
  } else {
    await import(new URL(`dist/${entry}.js`, packageUrl).href);
  }
}
