// The quickstart mesh (packages/mesh-config's fixture) copied for one test, with its addresses and node placement
// rewritten so several tests can run side by side on loopback.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const QUICKSTART = fileURLToPath(new URL('../../../../packages/mesh-config/test/fixtures/quickstart', import.meta.url));

/** Copies the quickstart config into `configDir`, replacing each key of `rewrites` by its value in every file. */
export function writeQuickstart(configDir: string, rewrites: Readonly<Record<string, string>> = {}): string {
  cpSync(QUICKSTART, configDir, { recursive: true });
  for (const file of readdirSync(configDir)) {
    const path = join(configDir, file);
    let text = readFileSync(path, 'utf8');
    for (const [from, to] of Object.entries(rewrites)) text = text.replaceAll(from, to);
    writeFileSync(path, text);
  }
  return configDir;
}
