// answerDns: one query in, one reply out, with the mesh state of a table and a forward function that records what
// went upstream. Replies are read back with the codec's own rules (header fields by offset, answers by the parser
// below), and the codec itself is checked against dnspython in wire.test.ts.
import { describe, expect, it } from 'vitest';
import { ipBytes, meshOf, service } from '@ambient/mesh-state/testing';
import { answerDns, MESH_TTL_SECONDS, type DnsOutcome, type DnsProtocol } from '../../src/dns/answer.js';

const mesh = meshOf(
  service('reviews', '127.96.0.10'),
  service('external', undefined, { hostname: 'api.example.com', addresses: [{ network: '', address: ipBytes('127.96.0.20') }, { network: '', address: ipBytes('127.96.0.21') }] }),
);
const client = { namespace: 'default', network: '' };

/** A query as a stub resolver writes it: id, RD, one question, optionally an OPT record asking for `edns` bytes. */
function query(name: string, type = 1, options: { id?: number; opcode?: number; edns?: number; flags?: number } = {}): Buffer {
  const labels = name === '' ? [] : name.split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header.writeUInt16BE(options.flags ?? ((options.opcode ?? 0) << 11) | 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.edns === undefined ? 0 : 1, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  const opt = options.edns === undefined ? Buffer.alloc(0) : Buffer.from([0, 0, 41, options.edns >> 8, options.edns & 0xff, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, qname, tail, opt]);
}

function header(reply: Buffer): { id: number; qr: boolean; opcode: number; aa: boolean; tc: boolean; rcode: number; answers: number } {
  const flags = reply.readUInt16BE(2);
  return { id: reply.readUInt16BE(0), qr: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, aa: (flags & 0x0400) !== 0, tc: (flags & 0x0200) !== 0, rcode: flags & 0xf, answers: reply.readUInt16BE(6) };
}

/** The answer section as [type, ttl, data]: A/AAAA as text, CNAME as its target's wire bytes in hex. */
function answers(reply: Buffer): [number, number, string][] {
  let at = 12;
  const skipName = (): void => {
    for (;;) {
      const len = reply[at] as number;
      if ((len & 0xc0) === 0xc0) return void (at += 2);
      at += 1 + len;
      if (len === 0) return;
    }
  };
  skipName();
  at += 4;
  const out: [number, number, string][] = [];
  for (let i = 0; i < reply.readUInt16BE(6); i++) {
    skipName();
    const type = reply.readUInt16BE(at);
    const ttl = reply.readUInt32BE(at + 4);
    const length = reply.readUInt16BE(at + 8);
    const data = reply.subarray(at + 10, at + 10 + length);
    out.push([type, ttl, type === 1 ? [...data].join('.') : data.toString('hex')]);
    at += 10 + length;
  }
  return out;
}

function run(message: Buffer, protocol: DnsProtocol = 'udp', forward?: (q: Uint8Array, p: DnsProtocol) => Promise<Buffer>) {
  const outcomes: DnsOutcome[] = [];
  const upstream: { query: Uint8Array; protocol: DnsProtocol }[] = [];
  const reply = answerDns(message, protocol, client, {
    lookup: mesh,
    clusterDomain: 'cluster.local',
    forward: forward ?? (async (q, p) => {
      upstream.push({ query: q, protocol: p });
      return Buffer.from('upstream reply');
    }),
    shuffle: (list) => list,
    onOutcome: (o) => outcomes.push(o),
  });
  return { reply, outcomes, upstream };
}

describe('answerDns', () => {
  it('answers a mesh name with its VIP, TTL 30, authoritatively, under the same id', async () => {
    const { reply, outcomes } = run(query('reviews.default.svc.cluster.local', 1, { id: 0xabcd }));
    const got = (await reply) as Buffer;
    expect(header(got)).toMatchObject({ id: 0xabcd, qr: true, aa: true, tc: false, rcode: 0, answers: 1 });
    expect(answers(got)).toEqual([[1, MESH_TTL_SECONDS, '127.96.0.10']]);
    expect(outcomes).toEqual([{ protocol: 'udp', queryType: 'A', result: 'mesh', name: 'reviews.default.svc.cluster.local' }]);
  });

  it('starts with a CNAME for a name built with a search domain', async () => {
    const got = (await run(query('api.example.com.default.svc.cluster.local')).reply) as Buffer;
    expect(answers(got).map(([type]) => type)).toEqual([5, 1, 1]);
  });

  it('shuffles the addresses it answers with', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const got = (await answerDns(query('api.example.com'), 'udp', client, { lookup: mesh, clusterDomain: 'cluster.local', forward: () => Promise.reject(new Error('unused')) })) as Buffer;
      seen.add(answers(got).map(([, , ip]) => ip).join(','));
    }
    expect(seen).toEqual(new Set(['127.96.0.20,127.96.0.21', '127.96.0.21,127.96.0.20']));
  });

  it('answers AAAA with the IPv6 VIPs, and with none (an empty authoritative answer, not forwarded) when IPv6 is off', async () => {
    const dual = meshOf(service('dual', undefined, { hostname: 'dual.mesh', addresses: [{ network: '', address: ipBytes('127.96.0.30') }, { network: '', address: ipBytes('fd96::30') }] }));
    const ask = (type: number, ipv6?: boolean): Promise<Buffer | undefined> =>
      answerDns(query('dual.mesh', type), 'udp', client, { lookup: dual, clusterDomain: 'cluster.local', forward: () => Promise.reject(new Error('must not forward')), ...(ipv6 === undefined ? {} : { ipv6 }) });
    const aaaa = (await ask(28)) as Buffer;
    expect(answers(aaaa)).toEqual([[28, MESH_TTL_SECONDS, 'fd960000000000000000000000000030']]);
    const off = (await ask(28, false)) as Buffer;
    expect(header(off)).toMatchObject({ aa: true, rcode: 0, answers: 0 });
    expect(answers((await ask(1, false)) as Buffer)).toEqual([[1, MESH_TTL_SECONDS, '127.96.0.30']]);
  });

  it('forwards other names and other types unchanged, over the client transport', async () => {
    const outside = query('www.example.org');
    const a = run(outside, 'tcp');
    expect((await a.reply)?.toString()).toBe('upstream reply');
    expect(a.upstream).toEqual([{ query: outside, protocol: 'tcp' }]);
    expect(a.outcomes[0]).toMatchObject({ protocol: 'tcp', queryType: 'A', result: 'forwarded', name: 'www.example.org' });
    const srv = run(query('reviews.default.svc.cluster.local', 33));
    expect((await srv.reply)?.toString()).toBe('upstream reply');
    expect(srv.outcomes[0]).toMatchObject({ queryType: 'SRV', result: 'forwarded' });
  });

  it('answers SERVFAIL, with the question, when the upstream fails', async () => {
    const { reply, outcomes } = run(query('www.example.org', 1, { id: 7 }), 'udp', () => Promise.reject(new Error('no upstream resolver answered over UDP')));
    const got = (await reply) as Buffer;
    expect(header(got)).toMatchObject({ id: 7, qr: true, rcode: 2, answers: 0 });
    expect(got.readUInt16BE(4)).toBe(1);
    expect(outcomes[0]).toMatchObject({ result: 'upstream-failed', reason: 'no upstream resolver answered over UDP' });
  });

  it('answers FORMERR to a malformed query and NOTIMP to another opcode', async () => {
    const bad = query('reviews');
    bad[12] = 70; // the first label now claims 70 bytes
    const formerr = run(bad);
    expect(header((await formerr.reply) as Buffer)).toMatchObject({ id: 0x1234, qr: true, rcode: 1 });
    expect(formerr.outcomes[0]).toMatchObject({ result: 'refused', queryType: '' });
    const notimp = run(query('reviews', 1, { opcode: 2 }));
    expect(header((await notimp.reply) as Buffer)).toMatchObject({ qr: true, opcode: 2, rcode: 4 });
  });

  it('sends nothing for a message shorter than a header or one that is itself a response', async () => {
    expect(await run(Buffer.from([1, 2, 3])).reply).toBeUndefined();
    const response = run(query('reviews', 1, { flags: 0x8180 }));
    expect(await response.reply).toBeUndefined();
    expect(response.outcomes[0]).toMatchObject({ result: 'refused', reason: 'a response, not a query' });
  });

  it('truncates a UDP answer to 512 bytes without EDNS, and not over TCP or with a larger EDNS size', async () => {
    const many = meshOf(service('big', undefined, { hostname: 'big.example', addresses: Array.from({ length: 60 }, (_, i) => ({ network: '', address: ipBytes(`127.96.1.${i + 1}`) })) }));
    const ask = (protocol: DnsProtocol, edns?: number) =>
      answerDns(query('big.example', 1, edns === undefined ? {} : { edns }), protocol, client, { lookup: many, clusterDomain: 'cluster.local', forward: () => Promise.reject(new Error('unused')) }) as Promise<Buffer>;
    const udp = await ask('udp');
    expect(udp.length).toBeLessThanOrEqual(512);
    expect(header(udp).tc).toBe(true);
    expect(header(await ask('tcp'))).toMatchObject({ tc: false, answers: 60 });
    expect(header(await ask('udp', 4096))).toMatchObject({ tc: false, answers: 60 });
  });
});
