// Address parsing, formatting and range checks, against Node's own parser where it has one.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, parseCidr, parseIp } from '../src/index.js';

describe('parseIp / formatIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (text, formatted) => {
    const ip = parseIp(text);
    expect(ip).toBeDefined();
    expect(formatIp(ip ?? { family: 4, words: [] })).toBe(formatted);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', '1..2.3', ' 1.2.3.4', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '12345::', 'fe80::1%eth0', '::1.2.3', 'g::1', '1.2.3.4/8'])(
    'rejects %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );

  it('accepts exactly the literals Node accepts (no zones), and formats them so they parse back', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    const v6 = fc.ipV6();
    fc.assert(
      fc.property(fc.oneof(v4, v6, fc.string({ maxLength: 12 })), (text) => {
        const ip = parseIp(text);
        expect(ip !== undefined).toBe(isIP(text) !== 0 && !text.includes('%'));
        if (ip !== undefined) expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCidr / cidrContains', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', '10.1.2.4', false],
    ['0.0.0.0/0', '1.2.3.4', true],
    ['10.0.0.128/25', '10.0.0.127', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['::/0', '::1', true],
    ['::/0', '10.0.0.1', false],
    ['0.0.0.0/0', '::1', false],
    ['fd00::1', 'fd00::1', true],
    ['fd00::/127', 'fd00::1', true],
    ['fd00::/128', 'fd00::1', false],
  ])('%s holds %s: %s', (range, address, holds) => {
    const cidr = parseCidr(range);
    const ip = parseIp(address);
    expect(cidr && ip && cidrContains(cidr, ip)).toBe(holds);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '::/129', '10.0.0.0/-1', '/8', 'x/8'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('keeps the written address and prints the prefix', () => {
    expect(parseCidr('10.0.0.77/24')?.text).toBe('10.0.0.77/24');
    expect(parseCidr('2001:0db8::')?.text).toBe('2001:db8::/128');
  });
});
