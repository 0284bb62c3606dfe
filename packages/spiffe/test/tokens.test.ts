// Bearer tokens: ES256 JWTs that round-trip, that openssl's signature check agrees with, and that fail loudly.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createToken, generateTokenKey, openTokenKey, TOKEN_KEY_FILE, tokenKeyFromPem, verifyToken } from '../src/index.js';
import { openssl } from './openssl.js';

const key = generateTokenKey();
const NOW = Date.UTC(2026, 0, 1);
const clock = (): number => NOW;
const token = createToken(key, { namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a', clock });

describe('createToken / verifyToken', () => {
  it('round-trips the claims', () => {
    expect(verifyToken(token, createPublicKey(key), { clock })).toEqual({
      namespace: 'istio-system',
      serviceAccount: 'ztunnel',
      node: 'node-a',
      audience: 'istio-ca',
      issuedAt: NOW / 1000,
      expiresAt: NOW / 1000 + 86_400,
    });
  });

  it('produces a JWS openssl verifies as ECDSA P-256 / SHA-256', () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const raw = Buffer.from(signature, 'base64url');
    // JWS carries r||s; openssl wants DER.
    const int = (b: Buffer): Buffer => {
      let v = b;
      while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
      if ((v[0] as number) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
      return Buffer.concat([Buffer.from([0x02, v.length]), v]);
    };
    const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
    const result = openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'data.txt'], {
      'pub.pem': pub,
      'sig.der': der,
      'data.txt': `${header}.${payload}`,
    });
    expect(result.output).toContain('Verified OK');
  });

  it.each<[string, () => unknown, string]>([
    ['three parts required', () => verifyToken('abc.def', key, { clock }), 'SPIFFE_ERR_TOKEN_MALFORMED'],
    ['base64url only', () => verifyToken('a+b.c.d', key, { clock }), 'SPIFFE_ERR_TOKEN_MALFORMED'],
    ['JSON header', () => verifyToken(`bm90anNvbg.${token.split('.')[1]}.x`, key, { clock }), 'SPIFFE_ERR_TOKEN_MALFORMED'],
    [
      'alg none refused',
      () => verifyToken(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`, key, { clock }),
      'SPIFFE_ERR_TOKEN_MALFORMED',
    ],
    ['another key', () => verifyToken(token, generateTokenKey(), { clock }), 'SPIFFE_ERR_TOKEN_SIGNATURE'],
    [
      'a tampered payload',
      () => {
        const [h, , s] = token.split('.');
        const forged = Buffer.from(JSON.stringify({ aud: 'istio-ca', namespace: 'istio-system', serviceAccount: 'admin', iat: 1, exp: 9e9 })).toString('base64url');
        return verifyToken(`${h}.${forged}.${s}`, key, { clock });
      },
      'SPIFFE_ERR_TOKEN_SIGNATURE',
    ],
    ['another audience', () => verifyToken(token, key, { clock, audience: 'xds' }), 'SPIFFE_ERR_TOKEN_AUDIENCE'],
    ['expired', () => verifyToken(token, key, { clock: () => NOW + 86_401_000 + 30_000 }), 'SPIFFE_ERR_TOKEN_EXPIRED'],
    ['issued in the future', () => verifyToken(token, key, { clock: () => NOW - 3_600_000 }), 'SPIFFE_ERR_TOKEN_EXPIRED'],
    ['bad namespace at creation', () => createToken(key, { namespace: 'a/b', serviceAccount: 'x' }), 'SPIFFE_ERR_TOKEN_CLAIMS'],
    ['empty service account', () => createToken(key, { namespace: 'a', serviceAccount: '' }), 'SPIFFE_ERR_TOKEN_CLAIMS'],
  ])('refuses: %s', (_name, run, code) => {
    expect(run).toThrow(expect.objectContaining({ code }));
  });

  it('accepts a token within the leeway after expiry', () => {
    expect(verifyToken(token, key, { clock: () => NOW + 86_400_000 + 10_000 }).serviceAccount).toBe('ztunnel');
  });

  it('refuses an unreadable key file', () => {
    expect(() => tokenKeyFromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow(
      expect.objectContaining({ code: 'SPIFFE_ERR_UNSUPPORTED_KEY' }),
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => createToken(rsa, { namespace: 'a', serviceAccount: 'b' })).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_UNSUPPORTED_KEY' }));
  });
});

describe('openTokenKey', () => {
  it('creates token-key.pem with mode 0600 once, then loads the same key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiffe-token-'));
    try {
      const first = await openTokenKey(dir);
      expect(first.created).toBe(true);
      expect(statSync(join(dir, TOKEN_KEY_FILE)).mode & 0o777).toBe(0o600);
      const second = await openTokenKey(dir);
      expect(second.created).toBe(false);
      const t = createToken(first.key, { namespace: 'a', serviceAccount: 'b' });
      expect(verifyToken(t, second.key).namespace).toBe('a');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives concurrent first callers one key: exactly one creates it, all can verify each other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiffe-token-race-'));
    try {
      const opened = await Promise.all(Array.from({ length: 8 }, () => openTokenKey(dir)));
      expect(opened.filter((o) => o.created)).toHaveLength(1);
      const token = createToken(opened[3]!.key, { namespace: 'a', serviceAccount: 'b' });
      for (const o of opened) expect(verifyToken(token, o.key).serviceAccount).toBe('b');
      expect(readdirSync(dir)).toEqual([TOKEN_KEY_FILE]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
