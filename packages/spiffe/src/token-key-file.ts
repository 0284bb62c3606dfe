// The control plane's token signing key on disk, next to the CA files: created once (mode 0600), then loaded.
import { access, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, type KeyObject } from 'node:crypto';
import { SpiffeError } from './errors.js';
import { generateTokenKey, tokenKeyFromPem } from './tokens.js';

export const TOKEN_KEY_FILE = 'token-key.pem';

/** Loads `<dir>/token-key.pem`; a missing or unreadable file throws a typed error. */
export async function loadTokenKey(dir: string): Promise<KeyObject> {
  const path = join(dir, TOKEN_KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new SpiffeError('SPIFFE_ERR_CA_DIR', `cannot read the token key ${path}: ${(err as Error).message}`, { cause: err });
  }
  const key = tokenKeyFromPem(pem);
  if (key.type !== 'private') throw new SpiffeError('SPIFFE_ERR_UNSUPPORTED_KEY', `${path} holds no private key`);
  return key;
}

/**
 * Loads the token key, creating one when the file does not exist yet. Concurrent first callers (a control
 * plane starting while a token is minted) end up with one key: a complete file is hard-linked into place, which
 * fails for all but the first, and the others load the winner.
 */
export async function openTokenKey(dir: string): Promise<{ key: KeyObject; created: boolean }> {
  const path = join(dir, TOKEN_KEY_FILE);
  const present = await access(path).then(() => true, () => false);
  if (present) return { key: await loadTokenKey(dir), created: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = generateTokenKey();
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, key.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
    const won = await link(temp, path).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      },
    );
    return won ? { key, created: true } : { key: await loadTokenKey(dir), created: false };
  } finally {
    await rm(temp, { force: true });
  }
}
