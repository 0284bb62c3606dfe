// Each ztunnel's bearer token, minted with the state directory's key (as `ambientctl create token` does) and kept
// under .ambient/tokens with owner-only permissions.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintToken } from '@ambient/spiffe';
import type { AmbientLayout } from './layout.js';

/** Mints the node proxy token for `node` (service account istio-system/ztunnel) and returns its file. */
export async function writeNodeToken(layout: AmbientLayout, node: string): Promise<string> {
  const file = join(layout.tokensDir, `${node}.jwt`);
  await writeFile(file, await mintToken({ stateDir: layout.stateDir, namespace: 'istio-system', serviceAccount: 'ztunnel', node }), { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
