// The state directory: the mesh CA in Istio's plug-in layout and the token key, created on first start and
// reused on every later one (a new root would cut every workload off). Keys are written 0600, atomically.
import { randomBytes, type KeyObject } from 'node:crypto';
import { access, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTokenKey, loadTokenKey, openCaDirectory, TOKEN_KEY_FILE, type CertificateAuthority } from '@ambient/spiffe';
import { AmbientdError } from './errors.js';

export interface State {
  readonly ca: CertificateAuthority;
  readonly tokenKey: KeyObject;
  /** True when this call made a new root (first start). */
  readonly caCreated: boolean;
}

/**
 * Loads `token-key.pem`, creating it when absent. Concurrent creators (ambientd's first start while
 * `create-token` runs, or several mints at once) end up with one key: a complete file is hard-linked into place,
 * which fails when another got there first, and everyone then loads the winner.
 */
export async function openTokenKeyOnce(dir: string): Promise<KeyObject> {
  const path = join(dir, TOKEN_KEY_FILE);
  if (await access(path).then(() => true, () => false)) return loadTokenKey(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, generateTokenKey().export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
    await link(temp, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(temp, { force: true });
  }
  return loadTokenKey(dir);
}

export async function openStateDir(dir: string, trustDomain: string): Promise<State> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { ca, created } = await openCaDirectory(dir, { trustDomain });
    return { ca, tokenKey: await openTokenKeyOnce(dir), caCreated: created };
  } catch (err) {
    throw new AmbientdError('AMBIENTD_ERR_STATE_DIR', `state directory ${dir} is unusable: ${(err as Error).message}`, { cause: err });
  }
}
