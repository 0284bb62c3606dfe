// Checking a CA response before using it: the chain verifies, the SAN is what was asked, the key is ours.
import { describe, expect, it } from 'vitest';
import { createCsr, generateKeyPair, svidFromCertChain, tlsMaterialFromSvid } from '../src/index.js';
import { createTestCa } from '../src/testing/index.js';

const ID = 'spiffe://cluster.local/ns/default/sa/echo';
const ca = createTestCa();
const { privateKey } = generateKeyPair();
const chain = ca.sign(createCsr(ID, privateKey), { identity: ID });

describe('svidFromCertChain', () => {
  it('builds an SVID whose TLS material is leaf, root and a PKCS#8 key', () => {
    const svid = svidFromCertChain(privateKey, chain, { identity: ID, trustAnchors: ca.roots });
    expect(svid.identity).toBe(ID);
    expect(svid.notAfter.getTime() - svid.notBefore.getTime()).toBe((86_400 + 300) * 1000);
    const tls = tlsMaterialFromSvid(svid);
    expect(tls.cert).toBe(chain[0]);
    expect(tls.ca).toBe(ca.rootBundlePem);
    expect(tls.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('refuses a chain issued for another identity', () => {
    expect(() => svidFromCertChain(privateKey, chain, { identity: 'spiffe://cluster.local/ns/default/sa/other' })).toThrow(
      expect.objectContaining({ code: 'SPIFFE_ERR_IDENTITY_MISMATCH' }),
    );
  });

  it('refuses a chain for a key other than the CSR’s', () => {
    expect(() => svidFromCertChain(generateKeyPair().privateKey, chain, { identity: ID })).toThrow(
      expect.objectContaining({ code: 'SPIFFE_ERR_KEY_MISMATCH' }),
    );
  });

  it('refuses a chain that does not end at the configured trust anchors', () => {
    expect(() => svidFromCertChain(privateKey, chain, { identity: ID, trustAnchors: createTestCa().roots })).toThrow(
      expect.objectContaining({ code: 'SPIFFE_ERR_CHAIN_UNTRUSTED' }),
    );
  });

  it('refuses short and unreadable responses', () => {
    expect(() => svidFromCertChain(privateKey, [chain[0] as string], { identity: ID })).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_CHAIN_EMPTY' }));
    expect(() => svidFromCertChain(privateKey, ['junk', chain[1] as string], { identity: ID })).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_BAD_PEM' }));
    const broken = (chain[0] as string).replace(/[A-Za-z]{8}\n/, 'AAAAAAAA\n');
    expect(() => svidFromCertChain(privateKey, [broken, chain[1] as string], { identity: ID })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^SPIFFE_ERR_(BAD_DER|CHAIN_UNTRUSTED)$/) }),
    );
  });
});
