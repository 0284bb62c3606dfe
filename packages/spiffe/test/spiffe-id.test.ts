// SPIFFE ID parsing against the SPIFFE ID standard's rules and Istio's ns/sa form.
import { describe, expect, it } from 'vitest';
import { formatIstioIdentity, isSpiffeId, parseIstioIdentity, parseSpiffeId, SpiffeError } from '../src/index.js';

describe('parseSpiffeId', () => {
  it('accepts valid IDs and splits Istio identities', () => {
    expect(parseSpiffeId('spiffe://cluster.local/ns/default/sa/echo')).toEqual({
      trustDomain: 'cluster.local',
      path: '/ns/default/sa/echo',
      namespace: 'default',
      serviceAccount: 'echo',
      uri: 'spiffe://cluster.local/ns/default/sa/echo',
    });
    expect(parseSpiffeId('spiffe://example.org')).toEqual({ trustDomain: 'example.org', path: '', uri: 'spiffe://example.org' });
    expect(parseSpiffeId('spiffe://td_1-x.y/A.b/c-D_9').path).toBe('/A.b/c-D_9');
    expect(parseSpiffeId('spiffe://td/ns/a/sa/b/extra').namespace).toBeUndefined();
  });

  it.each([
    ['', 'SPIFFE_ERR_EMPTY'],
    ['https://cluster.local/ns/a/sa/b', 'SPIFFE_ERR_SCHEME'],
    ['SPIFFE://cluster.local/ns/a/sa/b', 'SPIFFE_ERR_SCHEME'],
    ['spiffe:///ns/a/sa/b', 'SPIFFE_ERR_TRUST_DOMAIN_MISSING'],
    ['spiffe://', 'SPIFFE_ERR_TRUST_DOMAIN_MISSING'],
    ['spiffe://Cluster.local/ns/a', 'SPIFFE_ERR_TRUST_DOMAIN_UPPERCASE'],
    ['spiffe://cluster.local:8080/ns/a', 'SPIFFE_ERR_PORT'],
    ['spiffe://user@cluster.local/ns/a', 'SPIFFE_ERR_USERINFO'],
    ['spiffe://cluster local/ns/a', 'SPIFFE_ERR_TRUST_DOMAIN_CHAR'],
    ['spiffe://cluster.local/ns/a?x=1', 'SPIFFE_ERR_QUERY'],
    ['spiffe://cluster.local/ns/a#frag', 'SPIFFE_ERR_FRAGMENT'],
    ['spiffe://cluster.local/ns/%61', 'SPIFFE_ERR_PERCENT_ENCODED'],
    ['spiffe://clu%73ter.local/ns/a', 'SPIFFE_ERR_PERCENT_ENCODED'],
    ['spiffe://cluster.local/ns//sa/b', 'SPIFFE_ERR_EMPTY_SEGMENT'],
    ['spiffe://cluster.local/ns/a/', 'SPIFFE_ERR_EMPTY_SEGMENT'],
    ['spiffe://cluster.local/', 'SPIFFE_ERR_EMPTY_SEGMENT'],
    ['spiffe://cluster.local/ns/../sa', 'SPIFFE_ERR_DOT_SEGMENT'],
    ['spiffe://cluster.local/ns/./sa', 'SPIFFE_ERR_DOT_SEGMENT'],
    ['spiffe://cluster.local/ns/a b', 'SPIFFE_ERR_PATH_CHAR'],
    ['spiffe://cluster.local/ns/ä', 'SPIFFE_ERR_PATH_CHAR'],
    [`spiffe://${'a'.repeat(256)}/x`, 'SPIFFE_ERR_TOO_LONG'],
    [`spiffe://td/${'a'.repeat(2040)}`, 'SPIFFE_ERR_TOO_LONG'],
  ])('refuses %j with %s', (input, code) => {
    let caught: unknown;
    try {
      parseSpiffeId(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpiffeError);
    expect((caught as SpiffeError).code).toBe(code);
    expect((caught as SpiffeError).message).toMatch(/^invalid SPIFFE ID/);
    expect(isSpiffeId(input)).toBe(false);
  });

  it('accepts the maximum trust-domain length', () => {
    expect(parseSpiffeId(`spiffe://${'a'.repeat(255)}`).trustDomain).toHaveLength(255);
  });
});

describe('Istio identities', () => {
  it('formats and parses spiffe://<td>/ns/<ns>/sa/<sa>', () => {
    const id = formatIstioIdentity('cluster.local', 'istio-system', 'ztunnel');
    expect(id).toBe('spiffe://cluster.local/ns/istio-system/sa/ztunnel');
    expect(parseIstioIdentity(id)).toMatchObject({ namespace: 'istio-system', serviceAccount: 'ztunnel' });
  });

  it.each(['spiffe://cluster.local/ns/a', 'spiffe://cluster.local/ns/a/sa/b/c', 'spiffe://cluster.local/x/a/sa/b', 'spiffe://cluster.local'])(
    'refuses the non-Istio path %s',
    (input) => {
      expect(() => parseIstioIdentity(input)).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_NOT_ISTIO' }));
    },
  );

  it('refuses a namespace that is not a valid segment', () => {
    expect(() => formatIstioIdentity('cluster.local', 'a/b', 'c')).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_NOT_ISTIO' }));
    expect(() => formatIstioIdentity('cluster.local', '', 'c')).toThrow(expect.objectContaining({ code: 'SPIFFE_ERR_EMPTY_SEGMENT' }));
  });
});
