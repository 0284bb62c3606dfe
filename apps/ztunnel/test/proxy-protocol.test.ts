// PROXY protocol v2: golden bytes written out by hand from HAProxy's proxy-protocol.txt, the same headers read back
// by an independent parser (test/py/proxy_v2_parse.py, Python's struct and inet_ntop), and malformed inputs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeProxyV2, istioProxyHeader, PP2_TYPE_PEER_IDENTITY } from '../src/proxy-protocol.js';
import { ZtunnelError } from '../src/errors.js';
import { SLEEP_ID } from './support/identities.js';

const PARSER = fileURLToPath(new URL('./py/proxy_v2_parse.py', import.meta.url));
const SIG = '0d0a0d0a000d0a515549540a';
const hex = (s: string) => s.replace(/\s+/g, '');

function parse(bytes: Buffer): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', [PARSER], { input: bytes, encoding: 'utf8' })) as Record<string, unknown>;
}

describe('golden headers', () => {
  it('IPv4 with the peer identity TLV 0xD0', () => {
    const bytes = istioProxyHeader({ address: '10.0.0.1', port: 51000 }, { address: '10.96.0.10', port: 80 }, SLEEP_ID);
    const identity = Buffer.from(SLEEP_ID).toString('hex');
    // version 2 + PROXY, INET + STREAM, 57 bytes = 12 of addresses + 3 + 42 of TLV
    expect(bytes.toString('hex')).toBe(hex(`${SIG} 21 11 0039  0a000001 0a60000a  c738 0050  d0 002a ${identity}`));
    expect(parse(bytes)).toEqual({
      version: 2, command: 'PROXY', family: 1, transport: 1, source: ['10.0.0.1', 51000], destination: ['10.96.0.10', 80],
      tlvs: [[PP2_TYPE_PEER_IDENTITY, identity]], rest: 0,
    });
  });

  it('IPv6 without a peer identity (plaintext has none): no TLV', () => {
    const bytes = istioProxyHeader({ address: '2001:db8::1', port: 443 }, { address: '2001:db8::2', port: 8080 }, undefined);
    expect(bytes.toString('hex')).toBe(hex(`${SIG} 21 21 0024 20010db8000000000000000000000001 20010db8000000000000000000000002 01bb 1f90`));
    expect(parse(bytes)).toMatchObject({ family: 2, source: ['2001:db8::1', 443], destination: ['2001:db8::2', 8080], tlvs: [] });
  });

  it('mixed families: INET6 with the IPv4 address mapped, so neither is lost', () => {
    const bytes = encodeProxyV2({ source: { address: '10.0.0.1', port: 1 }, destination: { address: '2001:db8::2', port: 2 } });
    expect(bytes.toString('hex')).toBe(hex(`${SIG} 21 21 0024 00000000000000000000ffff0a000001 20010db8000000000000000000000002 0001 0002`));
    expect(parse(bytes)).toMatchObject({ source: ['::ffff:10.0.0.1', 1], destination: ['2001:db8::2', 2] });
  });

  it('several TLVs in order, and the extremes of ports and lengths', () => {
    const big = Buffer.alloc(0xffff - 12 - 3 - 3 - 1, 7);
    const bytes = encodeProxyV2({
      source: { address: '0.0.0.0', port: 0 }, destination: { address: '255.255.255.255', port: 65535 },
      tlvs: [{ type: 0x00, value: Buffer.from([1]) }, { type: 0xff, value: big }],
    });
    expect(bytes.length).toBe(16 + 0xffff);
    expect(bytes.readUInt16BE(14)).toBe(0xffff);
    const parsed = parse(bytes);
    expect(parsed).toMatchObject({ source: ['0.0.0.0', 0], destination: ['255.255.255.255', 65535] });
    expect((parsed['tlvs'] as [number, string][]).map(([t, v]) => [t, v.length / 2])).toEqual([[0, 1], [255, big.length]]);
  });

  it('the reader rejects what is not a v2 header (it is a real check, not an echo)', () => {
    const good = istioProxyHeader({ address: '10.0.0.1', port: 1 }, { address: '10.0.0.2', port: 2 }, SLEEP_ID);
    expect(() => parse(good.subarray(0, good.length - 1))).toThrow(/truncated body/);
    const lying = Buffer.from(good);
    lying.writeUInt16BE(lying.readUInt16BE(29) + 1, 29); // the TLV claims one byte more than the body holds
    expect(() => parse(lying)).toThrow(/truncated TLV value/);
    expect(() => parse(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toThrow(/no v2 signature/);
  });
});

describe('malformed inputs', () => {
  const src = { address: '10.0.0.1', port: 1 };
  const dst = { address: '10.0.0.2', port: 2 };
  const cases: [string, () => Buffer, RegExp][] = [
    ['source not an IP', () => encodeProxyV2({ source: { address: 'pod.local', port: 1 }, destination: dst }), /source address "pod.local" is not an IP address/],
    ['destination empty', () => encodeProxyV2({ source: src, destination: { address: '', port: 1 } }), /destination address "" is not an IP address/],
    ['port 65536', () => encodeProxyV2({ source: { ...src, port: 65536 }, destination: dst }), /source port 65536 is not a port from 0 to 65535/],
    ['negative port', () => encodeProxyV2({ source: src, destination: { ...dst, port: -1 } }), /destination port -1 is not a port/],
    ['fractional port', () => encodeProxyV2({ source: { ...src, port: 1.5 }, destination: dst }), /source port 1.5 is not a port/],
    ['TLV type 256', () => encodeProxyV2({ source: src, destination: dst, tlvs: [{ type: 256, value: new Uint8Array(1) }] }), /TLV type 256 is not a byte/],
    ['TLV value of 65536 bytes', () => encodeProxyV2({ source: src, destination: dst, tlvs: [{ type: 0xd0, value: new Uint8Array(65536) }] }), /TLV 0xd0 value has 65536 bytes/],
    ['body over 65535 bytes', () => encodeProxyV2({ source: src, destination: dst, tlvs: [{ type: 1, value: new Uint8Array(40000) }, { type: 2, value: new Uint8Array(40000) }] }), /header body would be 80018 bytes/],
  ];
  it.each(cases)('%s', (_name, build, message) => {
    const err = (() => {
      try {
        build();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ZtunnelError);
    expect(err).toMatchObject({ code: 'ZTUNNEL_ERR_PROXY_PROTOCOL', message: expect.stringMatching(message) as unknown });
  });
});
