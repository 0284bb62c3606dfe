// The state directory and token minting: one key however many mint at once, incomplete CA material refused.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@ambient/core';
import { loadTokenKey, verifyToken } from '@ambient/spiffe';
import { mintToken, openStateDir } from '../src/index.js';
import { tempDir } from './fixtures.js';

describe('the state directory', () => {
  it('creates the CA and token key once, 0600, and loads the same root afterwards', async () => {
    const dir = join(tempDir('state'), 'nested', 'state');
    const first = await openStateDir(dir, 'cluster.local');
    const second = await openStateDir(dir, 'cluster.local');
    expect([first.caCreated, second.caCreated]).toEqual([true, false]);
    expect(second.ca.rootBundlePem).toBe(first.ca.rootBundlePem);
    expect(second.tokenKey.export({ format: 'jwk' })).toEqual(first.tokenKey.export({ format: 'jwk' }));
    expect(readdirSync(dir).sort()).toEqual(['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem', 'root-cert.pem', 'token-key.pem']);
    for (const key of ['ca-key.pem', 'token-key.pem']) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses incomplete CA material instead of replacing the root', async () => {
    const dir = tempDir('partial');
    writeFileSync(join(dir, 'root-cert.pem'), 'not a certificate');
    const error = await openStateDir(dir, 'cluster.local').catch((err: unknown) => err);
    expect(hasCode(error, 'AMBIENTD_ERR_STATE_DIR')).toBe(true);
    expect((error as Error).message).toMatch(/missing ca-cert\.pem, ca-key\.pem, cert-chain\.pem/);
  });

  it('signs every token with the one key on disk when many mint into a fresh directory at once', async () => {
    const dir = tempDir('race');
    const tokens = await Promise.all(
      Array.from({ length: 12 }, (_, i) => mintToken({ stateDir: dir, namespace: 'istio-system', serviceAccount: 'ztunnel', node: `node-${i}` })),
    );
    const key = await loadTokenKey(dir);
    expect(tokens.map((t) => verifyToken(t, key).node)).toEqual(tokens.map((_, i) => `node-${i}`));
    expect(readdirSync(dir)).toEqual(['token-key.pem']);
  });

  it('refuses names a token cannot carry', async () => {
    const error = await mintToken({ stateDir: tempDir('names'), namespace: 'a b', serviceAccount: 'sa' }).catch((err: unknown) => err);
    expect(hasCode(error, 'AMBIENTD_ERR_TOKEN')).toBe(true);
  });
});
