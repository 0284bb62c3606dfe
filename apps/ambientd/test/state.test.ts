// The state directory: CA and token key created once with tight modes, incomplete CA material refused.
// (Minting itself is @ambient/spiffe's mintToken, tested there.)
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '@ambient/core';
import { openStateDir } from '../src/index.js';
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
});
