// The DNS codec: hand-built queries (well-formed and malformed), golden response bytes, name round trips, and
// dnspython (test/py/dns_wire.py) as the peer we did not write, building queries and reading our responses.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ZtunnelError } from '../../src/errors.js';
import { DNS_RCODE, DNS_TYPE, encodeError, encodeResponse, messageId, parseQuery, udpLimit, type DnsQuery, type DnsRecord } from '../../src/dns/wire.js';

const PEER = fileURLToPath(new URL('../py/dns_wire.py', import.meta.url));

/** Runs one batch of cases through dnspython. */
function peer(cases: object[]): Record<string, unknown>[] {
  return JSON.parse(execFileSync('/usr/bin/python3', [PEER], { input: JSON.stringify(cases), encoding: 'utf8' })) as Record<string, unknown>[];
}

const bytes = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
/** Wire form of labels given as text, plus the root. */
const name = (...labels: string[]) => labels.map((l) => Buffer.from([l.length, ...Buffer.from(l, 'latin1')]).toString('hex')).join('') + '00';
/** ID 0x1234, RD, the given counts. */
const header = (flags = '0100', qd = 1, an = 0, ns = 0, ar = 0) => `1234 ${flags} ${[qd, an, ns, ar].map((n) => n.toString(16).padStart(4, '0')).join(' ')}`;
const A_IN = '0001 0001';
const OPT = (payload = '04d0', ttl = '00000000') => `00 0029 ${payload} ${ttl} 0000`;

function thrown(fn: () => unknown): ZtunnelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ZtunnelError) return err;
    throw err;
  }
  throw new Error('expected a ZtunnelError');
}

const query = (over: Partial<DnsQuery> = {}): DnsQuery => ({
  id: 0x1234, opcode: 0, recursionDesired: true, checkingDisabled: false, question: { name: 'svc.ns.svc.cluster.local', type: 1, class: 1 }, ...over,
});

describe('messageId', () => {
  it('reads the ID of a 12-byte header and nothing shorter', () => {
    expect(messageId(bytes(header()))).toBe(0x1234);
    expect(messageId(bytes(header()).subarray(0, 11))).toBeUndefined();
  });
});

describe('parseQuery', () => {
  it('reads a plain A query', () => {
    expect(parseQuery(bytes(header(), name('Echo', 'default', 'mesh'), A_IN))).toEqual({
      id: 0x1234, opcode: 0, recursionDesired: true, checkingDisabled: false, question: { name: 'Echo.default.mesh', type: 1, class: 1 },
    });
  });

  it('reads the root name, the opcode, CD and a clear RD', () => {
    const q = parseQuery(bytes(header('1010'), '00', '0002 0001'));
    expect(q).toMatchObject({ opcode: 2, recursionDesired: false, checkingDisabled: true, question: { name: '', type: 2 } });
  });

  it('escapes bytes that cannot be in a hostname, so such a name never equals one', () => {
    const q = parseQuery(bytes(header(), name('a.b c\\', 'x\xffy*_-'), A_IN));
    expect(q.question.name).toBe('a\\.b\\032c\\\\.x\\255y*_-');
  });

  it('reads EDNS: payload sizes under 512 as 512, the DO bit', () => {
    expect(parseQuery(bytes(header('0100', 1, 0, 0, 1), name('a'), A_IN, OPT('0100', '00008000'))).edns).toEqual({ udpPayloadSize: 512, dnssecOk: true });
    expect(parseQuery(bytes(header('0100', 1, 0, 0, 1), name('a'), A_IN, OPT('1000'))).edns).toEqual({ udpPayloadSize: 4096, dnssecOk: false });
  });

  it('skips answer and authority records (compressed owners included) to find the OPT record, and ignores trailing bytes', () => {
    const answer = `c00c 0005 0001 0000001e 0003 ${name('b')}`;
    const authority = `c00c 0002 0001 0000003c 0002 c00c`;
    const other = `${name('x')} 0001 0001 00000001 0004 0a000001`;
    const q = parseQuery(bytes(header('0100', 1, 1, 1, 2), name('a'), A_IN, answer, authority, other, OPT('05dc'), 'ffff'));
    expect(q).toMatchObject({ question: { name: 'a' }, edns: { udpPayloadSize: 1500 } });
  });

  const long = (n: number) => 'x'.repeat(n);
  const malformed: [string, Buffer, 'MALFORMED' | 'UNSUPPORTED', RegExp][] = [
    ['shorter than a header', bytes(header()).subarray(0, 11), 'MALFORMED', /11 bytes; its header alone is 12/],
    ['a response', bytes(header('8100'), name('a'), A_IN), 'UNSUPPORTED', /QR=1/],
    ['no question', bytes(header('0100', 0)), 'UNSUPPORTED', /QDCOUNT 0/],
    ['two questions', bytes(header('0100', 2), name('a'), A_IN, name('b'), A_IN), 'UNSUPPORTED', /QDCOUNT 2/],
    ['a label cut off', bytes(header(), '05 6162'), 'MALFORMED', /label at byte 12 is 5 bytes long but the message ends at byte 15/],
    ['a name without its root', bytes(header(), '03 616263'), 'MALFORMED', /name at byte 12 runs past the end/],
    ['no type and class', bytes(header(), name('a'), '0001'), 'MALFORMED', /ends at byte 17, inside the question/],
    ['a 70-byte label', bytes(header(), '04 61626364 46', long(70).replace(/x/g, '61'), '00', A_IN), 'MALFORMED', /label at byte 17 is 70 bytes long; labels are at most 63/],
    ['label type 0x80', bytes(header(), '81 61 00', A_IN), 'MALFORMED', /label at byte 12 has the reserved label type 0x80/],
    ['a pointer to itself', bytes(header(), 'c00c', A_IN), 'MALFORMED', /pointer at byte 12 points to byte 12, not before byte 12: a loop/],
    ['a loop through a label', bytes(header(), '0161 c00c', A_IN), 'MALFORMED', /pointer at byte 14 points to byte 12, not before byte 12: a loop/],
    ['a forward pointer', bytes(header(), 'c00e 00', A_IN), 'MALFORMED', /pointer at byte 12 points to byte 14, not before byte 12/],
    ['a pointer past the end', bytes(header(), 'c0ff', A_IN), 'MALFORMED', /pointer at byte 12 points to byte 255, past the end of the 18-byte message/],
    ['a pointer cut off', bytes(header(), 'c0'), 'MALFORMED', /pointer at byte 12 is cut off/],
    ['a name over 255 bytes', bytes(header(), name(long(63), long(63), long(63), long(63)), A_IN), 'MALFORMED', /name at byte 12 is over 255 bytes/],
    [
      'a name over 255 bytes through a pointer',
      bytes(header('0100', 1, 1), name(long(63), long(63), long(63)), A_IN, name(long(63)).slice(0, -2), 'c00c 0001 0001 00000000 0000'),
      'MALFORMED', /name at byte 209 is over 255 bytes/,
    ],
    ['a missing answer record', bytes(header('0100', 1, 1), name('a'), A_IN), 'MALFORMED', /name at byte 19 runs past the end/],
    ['a cut-off record', bytes(header('0100', 1, 1), name('a'), A_IN, 'c00c 0001 0001'), 'MALFORMED', /inside the record at byte 19/],
    ['RDATA past the end', bytes(header('0100', 1, 0, 1), name('a'), A_IN, 'c00c 0001 0001 00000000 0004 0a00'), 'MALFORMED', /inside the 4-byte RDATA of the record at byte 19/],
    ['two OPT records', bytes(header('0100', 1, 0, 0, 2), name('a'), A_IN, OPT(), OPT()), 'MALFORMED', /second OPT record at byte 30/],
    ['an OPT record not at the root', bytes(header('0100', 1, 0, 0, 1), name('a'), A_IN, 'c00c 0029 04d0 00000000 0000'), 'MALFORMED', /OPT record at byte 19 is owned by "a"/],
  ];
  it.each(malformed)('rejects %s', (_, msg, code, message) => {
    const err = thrown(() => parseQuery(msg));
    expect(err.code).toBe(`ZTUNNEL_ERR_DNS_${code}`);
    expect(err.message).toMatch(message);
  });
});

describe('encodeResponse', () => {
  const A = (data: string, owner = 'svc.ns.svc.cluster.local'): DnsRecord => ({ name: owner, type: DNS_TYPE.A, ttl: 30, data });
  const question = `${name('svc', 'ns', 'svc', 'cluster', 'local')} ${A_IN}`;

  it('writes golden bytes: flags, the question, an answer owned through a pointer to the question', () => {
    const reply = encodeResponse({ query: query(), rcode: 0, answers: [A('10.0.0.1')], authoritative: true, maxBytes: 512 });
    expect(reply.toString('hex')).toBe(bytes('1234 8580 0001 0001 0000 0000', question, 'c00c 0001 0001 0000001e 0004 0a000001').toString('hex'));
  });

  it('copies RD and CD, leaves AA clear when not authoritative, and carries the rcode and opcode', () => {
    const reply = encodeResponse({ query: query({ recursionDesired: false, checkingDisabled: true, opcode: 2 }), rcode: DNS_RCODE.NXDOMAIN, answers: [], authoritative: false, maxBytes: 512 });
    expect(reply.subarray(0, 4).toString('hex')).toBe('12349093');
  });

  it('adds an OPT record with our payload size and the DO bit copied', () => {
    const reply = encodeResponse({ query: query({ edns: { udpPayloadSize: 4096, dnssecOk: true } }), rcode: 0, answers: [], authoritative: true, maxBytes: 1232 });
    expect(reply.toString('hex')).toBe(bytes('1234 8580 0001 0000 0000 0001', question, OPT('04d0', '00008000')).toString('hex'));
  });

  it('writes every IPv6 form net.isIPv6 accepts', () => {
    const forms: [string, string][] = [
      ['::1', '00000000000000000000000000000001'], ['::', '00000000000000000000000000000000'], ['fd00:10::', 'fd000010000000000000000000000000'],
      ['2001:DB8::FFFF:1.2.3.4', '20010db8000000000000ffff01020304'], ['fe80::1%eth0', 'fe800000000000000000000000000001'],
      ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'], ['1:2:3:4:5:6:10.0.0.1', '0001000200030004000500060a000001'],
    ];
    for (const [text, hex] of forms) {
      const reply = encodeResponse({ query: query(), rcode: 0, answers: [{ name: 'svc.ns.svc.cluster.local', type: DNS_TYPE.AAAA, ttl: 30, data: text }], authoritative: true, maxBytes: 512 });
      expect(reply.subarray(-18).toString('hex'), text).toBe(`0010${hex}`);
    }
  });

  it('compresses a CNAME chain: each owner points into the previous target', () => {
    const answers: DnsRecord[] = [{ name: 'svc.ns.svc.cluster.local', type: DNS_TYPE.CNAME, ttl: 30, data: 'real.ns.svc.cluster.local' }, A('10.0.0.9', 'real.ns.svc.cluster.local')];
    const reply = encodeResponse({ query: query(), rcode: 0, answers, authoritative: true, maxBytes: 512 });
    // the CNAME target is "real" + a pointer to "ns.svc.cluster.local" (byte 16); the A record's owner points at byte 54
    expect(reply.subarray(42).toString('hex')).toBe(bytes('c00c 0005 0001 0000001e 0007 04', Buffer.from('real').toString('hex'), 'c010', 'c036 0001 0001 0000001e 0004 0a000009').toString('hex'));
  });

  it('drops answers from the end and sets TC when the reply would not fit', () => {
    const answers = Array.from({ length: 40 }, (_, i) => A(`10.0.0.${i}`));
    const reply = encodeResponse({ query: query(), rcode: 0, answers, authoritative: true, maxBytes: 512 });
    // 12 + 30 of question, 16 per answer: 29 answers make 506 bytes
    expect(reply.length).toBe(506);
    expect(reply.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(reply.readUInt16BE(6)).toBe(29);
    const withEdns = encodeResponse({ query: query({ edns: { udpPayloadSize: 512 } }), rcode: 0, answers, authoritative: true, maxBytes: 512 });
    expect([withEdns.length, withEdns.readUInt16BE(6), withEdns.readUInt16BE(10)]).toEqual([501, 28, 1]);
    const fits = encodeResponse({ query: query(), rcode: 0, answers: answers.slice(0, 29), authoritative: true, maxBytes: 506 });
    expect(fits.readUInt16BE(2) & 0x0200).toBe(0);
  });

  const bad: [string, DnsRecord, RegExp][] = [
    ['a short IPv4 address', A('10.0.0'), /A record for "svc.ns.svc.cluster.local" holds "10.0.0", not an IPv4 address/],
    ['IPv4 in AAAA', { name: 'x.mesh', type: DNS_TYPE.AAAA, ttl: 30, data: '10.0.0.1' }, /AAAA record for "x.mesh" holds "10.0.0.1", not an IPv6 address/],
    ['an empty label', { name: 'x.mesh', type: DNS_TYPE.CNAME, ttl: 30, data: 'a..mesh' }, /name "a..mesh" has an empty label at character 2/],
    ['a 64-byte label', A('10.0.0.1', `${'y'.repeat(64)}.mesh`), /has a label of 64 bytes ending at character 64; labels are at most 63/],
    ['a 257-byte name', A('10.0.0.1', Array.from({ length: 4 }, () => 'z'.repeat(63)).join('.')), /is 257 bytes on the wire; names are at most 255/],
    ['a non-ASCII name', A('10.0.0.1', 'bücher.mesh'), /non-ASCII character "ü" at character 1/],
    ['an escape over 255', A('10.0.0.1', 'a\\256.mesh'), /escape \\256 at character 1/],
  ];
  it.each(bad)('rejects %s', (_, record, message) => {
    const err = thrown(() => encodeResponse({ query: query(), rcode: 0, answers: [record], authoritative: true, maxBytes: 512 }));
    expect(err.code).toBe('ZTUNNEL_ERR_DNS_MALFORMED');
    expect(err.message).toMatch(message);
  });

  it('accepts a trailing dot and writes the root for "" and "."', () => {
    const reply = encodeResponse({ query: query({ question: { name: '', type: 2, class: 1 } }), rcode: 0, answers: [{ name: '.', type: DNS_TYPE.CNAME, ttl: 1, data: 'x.mesh.' }], authoritative: true, maxBytes: 512 });
    expect(reply.subarray(12).toString('hex')).toBe(bytes('00 0002 0001', '00 0005 0001 00000001 0008', name('x', 'mesh')).toString('hex'));
  });

  it('refuses an RCODE that does not fit the header', () => {
    expect(() => encodeError(1, 16)).toThrow(RangeError);
  });
});

describe('names round-trip byte for byte', () => {
  it('every byte value, mixed case, through parseQuery and the echoed question', () => {
    const all = Array.from({ length: 256 }, (_, i) => i);
    for (const chunk of [all.slice(0, 189), all.slice(189)]) {
      const labels = [chunk.slice(0, 63), chunk.slice(63, 126), chunk.slice(126)].filter((l) => l.length > 0);
      const wire = Buffer.concat([...labels.map((l) => Buffer.from([l.length, ...l])), Buffer.from([0])]);
      const msg = Buffer.concat([bytes(header()), wire, bytes(A_IN)]);
      const reply = encodeResponse({ query: parseQuery(msg), rcode: 0, answers: [], authoritative: true, maxBytes: 512 });
      expect(reply.subarray(12).toString('hex')).toBe(msg.subarray(12).toString('hex'));
    }
    const mixed = bytes(header(), name('eChO', 'DeFaUlT', 'mesh'), A_IN);
    expect(encodeResponse({ query: parseQuery(mixed), rcode: 0, answers: [], authoritative: true, maxBytes: 512 }).subarray(12)).toEqual(mixed.subarray(12));
  });
});

describe('encodeError and udpLimit', () => {
  it('writes a bare header with QR, RA, the opcode and the rcode', () => {
    expect(encodeError(0xbeef, DNS_RCODE.FORMERR).toString('hex')).toBe('beef8081' + '0000'.repeat(4));
    expect(encodeError(7, DNS_RCODE.NOTIMP, 5).toString('hex')).toBe('0007a884' + '0000'.repeat(4));
  });

  it('limits UDP replies to 512 without EDNS, else to the smaller of theirs and 1232', () => {
    expect([undefined, 512, 1000, 1232, 4096].map((size) => udpLimit(query(size === undefined ? {} : { edns: { udpPayloadSize: size } })))).toEqual([512, 512, 1000, 1232, 1232]);
  });
});

describe('dnspython as the peer', () => {
  const cases = [
    { op: 'query', name: 'echo.default.svc.cluster.local', type: 'A', id: 4660 },
    { op: 'query', name: 'EcHo.DeFaUlT.sVc.ClUsTeR.LoCaL', type: 'AAAA', id: 2, edns: true, payload: 4096 },
    { op: 'query', name: 'echo.default.mesh', type: 'A', id: 3, do: true, payload: 1400 },
    {
      op: 'query', name: 'svc.ns.svc.cluster.local', type: 'A', id: 4, edns: true, payload: 100, rd: false, cd: true,
      answers: [['svc.ns.svc.cluster.local.', 30, 'CNAME', 'other.ns.svc.cluster.local.']], authority: [['ns.svc.cluster.local.', 60, 'NS', 'ns1.ns.svc.cluster.local.']],
    },
    { op: 'query', name: 'a\\.b\\032C\\255.mesh', type: 'A', id: 5 },
  ];
  let wire: Buffer[] = [];
  let queries: DnsQuery[] = [];
  let replies: Record<string, unknown>[] = [];
  const responses: [string, () => Buffer, number][] = [
    ['A', () => encodeResponse({ query: queries[0] as DnsQuery, rcode: 0, answers: [mesh('10.0.0.1', 0), mesh('10.0.0.2', 0)], authoritative: true, maxBytes: 512 }), 0],
    ['AAAA with OPT, case kept', () => encodeResponse({ query: queries[1] as DnsQuery, rcode: 0, answers: [{ name: queries[1]?.question.name ?? '', type: DNS_TYPE.AAAA, ttl: 30, data: 'fd00::1' }], authoritative: true, maxBytes: 1232 }), 1],
    ['SERVFAIL with the DO bit', () => encodeResponse({ query: queries[2] as DnsQuery, rcode: DNS_RCODE.SERVFAIL, answers: [], authoritative: false, maxBytes: 65535 }), 2],
    ['CNAME chain', () => encodeResponse({ query: queries[3] as DnsQuery, rcode: 0, answers: chain(), authoritative: true, maxBytes: 512 }), 3],
    ['TC at 512', () => encodeResponse({ query: queries[0] as DnsQuery, rcode: 0, answers: Array.from({ length: 60 }, (_, i) => mesh(`10.1.0.${i}`, 0)), authoritative: true, maxBytes: udpLimit(queries[0] as DnsQuery) }), 0],
    ['FORMERR', () => encodeError(4660, DNS_RCODE.FORMERR), 0],
    ['NOTIMP', () => encodeError(2, DNS_RCODE.NOTIMP), 1],
    ['escaped name', () => encodeResponse({ query: queries[4] as DnsQuery, rcode: DNS_RCODE.NXDOMAIN, answers: [], authoritative: false, maxBytes: 512 }), 4],
  ];
  const mesh = (ip: string, q: number): DnsRecord => ({ name: queries[q]?.question.name ?? '', type: DNS_TYPE.A, ttl: 30, data: ip });
  const chain = (): DnsRecord[] => [
    { name: 'svc.ns.svc.cluster.local', type: DNS_TYPE.CNAME, ttl: 30, data: 'mid.ns.svc.cluster.local' },
    { name: 'mid.ns.svc.cluster.local', type: DNS_TYPE.CNAME, ttl: 30, data: 'end.ns.svc.cluster.local' },
    { name: 'end.ns.svc.cluster.local', type: DNS_TYPE.A, ttl: 30, data: '10.0.0.7' },
    { name: 'end.ns.svc.cluster.local', type: DNS_TYPE.A, ttl: 30, data: '10.0.0.8' },
  ];

  beforeAll(() => {
    wire = peer(cases).map((r) => Buffer.from(r.hex as string, 'hex'));
    queries = wire.map((w) => parseQuery(w));
    replies = peer(responses.map(([, build, q]) => ({ op: 'parse', hex: build().toString('hex'), query: wire[q]?.toString('hex') })));
  });

  it('parseQuery reads what dnspython builds', () => {
    expect(queries[0]).toEqual({ id: 4660, opcode: 0, recursionDesired: true, checkingDisabled: false, question: { name: 'echo.default.svc.cluster.local', type: 1, class: 1 } });
    expect(queries[1]).toMatchObject({ id: 2, question: { name: 'EcHo.DeFaUlT.sVc.ClUsTeR.LoCaL', type: 28 }, edns: { udpPayloadSize: 4096, dnssecOk: false } });
    expect(queries[2]).toMatchObject({ edns: { udpPayloadSize: 1400, dnssecOk: true } });
    expect(queries[3]).toMatchObject({ recursionDesired: false, checkingDisabled: true, question: { name: 'svc.ns.svc.cluster.local' }, edns: { udpPayloadSize: 512 } });
    expect(queries[4]?.question.name).toBe('a\\.b\\032C\\255.mesh');
    // dnspython compressed the answer's owner to the question: the skipped section really held a pointer
    expect((wire[3] as Buffer).subarray(42, 44).toString('hex')).toBe('c00c');
  });

  const reply = (label: string) => replies[responses.findIndex(([l]) => l === label)];

  it('dnspython reads an A answer as a reply to its query', () => {
    expect(reply('A')).toEqual({
      id: 4660, flags: ['AA', 'QR', 'RA', 'RD'], opcode: 'QUERY', rcode: 'NOERROR', question: [['echo.default.svc.cluster.local.', 'A', 'IN']],
      answer: [['echo.default.svc.cluster.local.', 30, 'A', '10.0.0.1'], ['echo.default.svc.cluster.local.', 30, 'A', '10.0.0.2']],
      edns: -1, payload: null, ednsflags: null, options: 0, is_response: true,
    });
  });

  it('dnspython reads AAAA with the client case kept and our OPT record', () => {
    expect(reply('AAAA with OPT, case kept')).toMatchObject({
      question: [['EcHo.DeFaUlT.sVc.ClUsTeR.LoCaL.', 'AAAA', 'IN']], answer: [['EcHo.DeFaUlT.sVc.ClUsTeR.LoCaL.', 30, 'AAAA', 'fd00::1']],
      edns: 0, payload: 1232, ednsflags: [], options: 0, is_response: true,
    });
  });

  it('dnspython reads SERVFAIL with DO copied', () => {
    expect(reply('SERVFAIL with the DO bit')).toMatchObject({ flags: ['QR', 'RA', 'RD'], rcode: 'SERVFAIL', answer: [], edns: 0, ednsflags: ['DO'], is_response: true });
  });

  it('dnspython reads a CNAME chain with compressed names, RD clear and CD copied', () => {
    expect(reply('CNAME chain')).toMatchObject({
      flags: ['AA', 'CD', 'QR', 'RA'], is_response: true,
      answer: [
        ['svc.ns.svc.cluster.local.', 30, 'CNAME', 'mid.ns.svc.cluster.local.'], ['mid.ns.svc.cluster.local.', 30, 'CNAME', 'end.ns.svc.cluster.local.'],
        ['end.ns.svc.cluster.local.', 30, 'A', '10.0.0.7'], ['end.ns.svc.cluster.local.', 30, 'A', '10.0.0.8'],
      ],
    });
  });

  it('dnspython reads a reply truncated to 512 bytes with TC', () => {
    const truncated = reply('TC at 512');
    // 12 + 36 of question + 16 per answer: 29 of the 60 fit
    expect(truncated).toMatchObject({ flags: ['AA', 'QR', 'RA', 'RD', 'TC'], is_response: true });
    expect((truncated?.answer as unknown[]).length).toBe(29);
  });

  it('dnspython reads back an escaped name in the question as its own', () => {
    expect(reply('escaped name')).toMatchObject({ rcode: 'NXDOMAIN', question: [['a\\.b\\032C\\255.mesh.', 'A', 'IN']], is_response: true });
  });

  it('dnspython takes the bare error replies as replies to its queries', () => {
    expect(reply('FORMERR')).toMatchObject({ id: 4660, flags: ['QR', 'RA'], rcode: 'FORMERR', question: [], is_response: true });
    expect(reply('NOTIMP')).toMatchObject({ id: 2, rcode: 'NOTIMP', question: [], is_response: true });
  });
});
