// Shared start-up for package bins in a workspace checkout: run the TypeScript source with no build step.
// (An installed package has no src/ and its bin imports dist/ directly.)

/** @param {URL} packageUrl the package folder; @param {string} entry path under src/ without extension */
export async function runSource(packageUrl, entry) {
  await import(new URL('./source-loader.mjs', import.meta.url).href);
  await import(new URL(`src/${entry}.ts`, packageUrl).href);
}
