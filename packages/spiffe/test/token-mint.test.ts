// Minting from a state directory: the key on disk signs every token (even for concurrent first callers), names a
// token cannot carry are refused, and durations parse as kubectl's --duration does.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode } from '@ambient/core';
import { loadTokenKey, mintToken, parseDuration, SpiffeError, TOKEN_KEY_FILE, verifyToken } from '../src/index.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-mint-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('mintToken', () => {
  it('signs with the state directory key and carries the names, node and lifetime', async () => {
    const dir = tempDir();
    const now = Date.UTC(2026, 10, 26);
    const token = await mintToken({ stateDir: dir, namespace: 'default', serviceAccount: 'sleep', node: 'node-a', ttlSeconds: 600, clock: () => now });
    const claims = verifyToken(token, await loadTokenKey(dir), { clock: () => now });
    expect(claims).toEqual({ namespace: 'default', serviceAccount: 'sleep', node: 'node-a', audience: 'istio-ca', issuedAt: now / 1000, expiresAt: now / 1000 + 600 });
  });

  it('defaults to 24 h and no node', async () => {
    const dir = tempDir();
    const claims = verifyToken(await mintToken({ stateDir: dir, namespace: 'istio-system', serviceAccount: 'ztunnel' }), await loadTokenKey(dir));
    expect(claims.expiresAt - claims.issuedAt).toBe(86_400);
    expect(claims.node).toBeUndefined();
  });

  it('signs every token with the one key on disk when many mint into a fresh directory at once', async () => {
    const dir = tempDir();
    const tokens = await Promise.all(
      Array.from({ length: 12 }, (_, i) => mintToken({ stateDir: dir, namespace: 'istio-system', serviceAccount: 'ztunnel', node: `node-${i}` })),
    );
    const key = await loadTokenKey(dir);
    expect(tokens.map((t) => verifyToken(t, key).node)).toEqual(tokens.map((_, i) => `node-${i}`));
    expect(readdirSync(dir)).toEqual([TOKEN_KEY_FILE]);
  });

  it('refuses names a token cannot carry', async () => {
    const error = await mintToken({ stateDir: tempDir(), namespace: 'a b', serviceAccount: 'sa' }).catch((err: unknown) => err);
    expect(hasCode(error, 'SPIFFE_ERR_TOKEN_CLAIMS')).toBe(true);
    expect((error as Error).message).toContain("'namespace'");
  });
});

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400],
    ['1h30m', 5_400],
    ['90s', 90],
    ['10m5s', 605],
  ])('%s is %i seconds', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '24', 'h', '-1h', '1.5h', '0s', '1d', '24h ', '1h30'])('refuses %j', (text) => {
    const error = (() => {
      try {
        return parseDuration(text);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(SpiffeError);
    expect(hasCode(error, 'SPIFFE_ERR_TTL')).toBe(true);
    expect((error as Error).message).toContain(`got "${text}"`);
  });
});
