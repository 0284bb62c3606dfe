// The DNS message codec of the DNS proxy: reads queries and writes responses in RFC 1035's format, with the EDNS0
// OPT pseudo-record of RFC 6891. Pure: bytes in, bytes out.
import { isIPv4, isIPv6 } from 'node:net';
import { ZtunnelError } from '../errors.js';
import { nameLabels, readName, writeName } from './wire-name.js';

export const DNS_TYPE = { A: 1, CNAME: 5, AAAA: 28, OPT: 41 } as const;
export const DNS_CLASS_IN = 1;
export const DNS_RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsQuery {
  readonly id: number;
  readonly opcode: number;
  readonly recursionDesired: boolean;
  readonly checkingDisabled: boolean;
  readonly question: DnsQuestion;
  /**
   * Present when the query carried an OPT record: the requestor's UDP payload size (values under 512 read as 512),
   * and its DO bit, which RFC 3225 §3 has the response copy.
   */
  readonly edns?: { readonly udpPayloadSize: number; readonly dnssecOk?: boolean };
}

/** An answer record; `data` is a dotted IPv4 address (A), IPv6 text (AAAA) or the target name (CNAME). */
export interface DnsRecord {
  readonly name: string;
  readonly type: 1 | 5 | 28;
  readonly ttl: number;
  readonly data: string;
}

const HEADER = 12;
/** The payload size we advertise: the DNS flag day 2020 figure, which fits an unfragmented IPv6 packet. */
const OUR_PAYLOAD_SIZE = 1232;
const CLASSIC_UDP_LIMIT = 512;
/** Root name, type, class, TTL, RDLENGTH: an OPT record without options. */
const OPT_SIZE = 11;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_CD = 0x0010;
const EDNS_DO = 0x8000;

function malformed(message: string): ZtunnelError {
  return new ZtunnelError('ZTUNNEL_ERR_DNS_MALFORMED', message);
}

/** The message ID, or undefined when the message is shorter than its 12-byte header (such a message gets no reply). */
export function messageId(msg: Uint8Array): number | undefined {
  return msg.length < HEADER ? undefined : u16(msg, 0);
}

/** Parses a query; throws ZtunnelError DNS_MALFORMED / DNS_UNSUPPORTED. Opcode is returned, not checked (the caller answers NOTIMP for opcode ≠ 0). */
export function parseQuery(msg: Uint8Array): DnsQuery {
  if (msg.length < HEADER) throw malformed(`DNS message is ${msg.length} bytes; its header alone is ${HEADER}`);
  const flags = u16(msg, 2);
  if (flags & FLAG_QR) throw new ZtunnelError('ZTUNNEL_ERR_DNS_UNSUPPORTED', 'DNS message has QR=1: it is a response, not a query');
  const qdcount = u16(msg, 4);
  if (qdcount !== 1) throw new ZtunnelError('ZTUNNEL_ERR_DNS_UNSUPPORTED', `DNS query has QDCOUNT ${qdcount}; the proxy answers exactly one question`);
  const { name, end } = readName(msg, HEADER);
  need(msg, end, 4, 'the question');
  const question = { name, type: u16(msg, end), class: u16(msg, end + 2) };
  let pos = end + 4;
  for (let i = u16(msg, 6) + u16(msg, 8); i > 0; i--) pos = readRecord(msg, pos).next;
  let edns: DnsQuery['edns'];
  for (let i = u16(msg, 10); i > 0; i--) {
    const record = readRecord(msg, pos);
    if (record.type === DNS_TYPE.OPT) {
      if (edns) throw malformed(`DNS query has a second OPT record at byte ${pos}; RFC 6891 allows one`);
      if (record.name !== '') throw malformed(`DNS OPT record at byte ${pos} is owned by "${record.name}"; it must be the root`);
      edns = { udpPayloadSize: Math.max(record.class, CLASSIC_UDP_LIMIT), dnssecOk: (record.ttl & EDNS_DO) !== 0 };
    }
    pos = record.next;
  }
  const query = {
    id: u16(msg, 0),
    opcode: (flags >> 11) & 0x0f,
    recursionDesired: (flags & FLAG_RD) !== 0,
    checkingDisabled: (flags & FLAG_CD) !== 0,
    question,
  };
  return edns ? { ...query, edns } : query;
}

/** Reads one resource record's fixed fields and skips its RDATA. */
function readRecord(msg: Uint8Array, start: number): { name: string; type: number; class: number; ttl: number; next: number } {
  const { name, end } = readName(msg, start);
  need(msg, end, 10, `the record at byte ${start}`);
  const rdlength = u16(msg, end + 8);
  need(msg, end + 10, rdlength, `the ${rdlength}-byte RDATA of the record at byte ${start}`);
  const ttl = ((msg[end + 4] as number) << 24) | ((msg[end + 5] as number) << 16) | u16(msg, end + 6);
  return { name, type: u16(msg, end), class: u16(msg, end + 2), ttl: ttl >>> 0, next: end + 10 + rdlength };
}

function need(msg: Uint8Array, at: number, bytes: number, what: string): void {
  if (at + bytes > msg.length) throw malformed(`DNS message ends at byte ${msg.length}, inside ${what} (bytes ${at}-${at + bytes - 1})`);
}

function u16(msg: Uint8Array, at: number): number {
  return ((msg[at] as number) << 8) | (msg[at + 1] as number);
}

/** UDP payload limit for replies to this query: 512 without EDNS, else min(the requestor's size, 1232). */
export function udpLimit(query: DnsQuery): number {
  return query.edns ? Math.min(Math.max(query.edns.udpPayloadSize, CLASSIC_UDP_LIMIT), OUR_PAYLOAD_SIZE) : CLASSIC_UDP_LIMIT;
}

/**
 * A response to `query`: QR=1, RA=1, RD and CD copied, AA as given, the question echoed byte-for-byte in the case the
 * client sent (0x20 case randomisation must survive), answers in order, an OPT record (our payload size 1232, no
 * options) when the query had one. If the message would exceed `maxBytes`, answers are dropped from the end until it
 * fits and TC is set.
 */
export function encodeResponse(r: { query: DnsQuery; rcode: number; answers: readonly DnsRecord[]; authoritative: boolean; maxBytes: number }): Buffer {
  const { query } = r;
  checkRcode(r.rcode);
  const out: number[] = new Array<number>(HEADER).fill(0);
  const written = new Map<string, number>();
  writeName(out, nameLabels(query.question.name), written);
  push16(out, query.question.type, query.question.class);
  const room = r.maxBytes - (query.edns ? OPT_SIZE : 0);
  let count = 0;
  for (const answer of r.answers) {
    const before = out.length;
    writeRecord(out, answer, written);
    // Nothing after this point uses `written`, so the names this record left in it need no undoing.
    if (out.length > room) {
      out.length = before;
      break;
    }
    count++;
  }
  const truncated = count < r.answers.length;
  if (query.edns) {
    out.push(0);
    push16(out, DNS_TYPE.OPT, OUR_PAYLOAD_SIZE, 0, query.edns.dnssecOk ? EDNS_DO : 0, 0);
  }
  let flags = FLAG_QR | ((query.opcode & 0x0f) << 11) | FLAG_RA | r.rcode;
  if (r.authoritative) flags |= FLAG_AA;
  if (truncated) flags |= FLAG_TC;
  if (query.recursionDesired) flags |= FLAG_RD;
  if (query.checkingDisabled) flags |= FLAG_CD;
  const header: number[] = [];
  push16(header, query.id, flags, 1, count, 0, query.edns ? 1 : 0);
  out.splice(0, HEADER, ...header);
  return Buffer.from(out);
}

/** A bare error reply (FORMERR for a malformed query, NOTIMP, SERVFAIL…) with the given id: header only, QDCOUNT 0, QR=1, RA=1. */
export function encodeError(id: number, rcode: number, opcode = 0): Buffer {
  checkRcode(rcode);
  const out: number[] = [];
  push16(out, id, FLAG_QR | ((opcode & 0x0f) << 11) | FLAG_RA | rcode, 0, 0, 0, 0);
  return Buffer.from(out);
}

/** RCODEs above 15 need the extended RCODE of an OPT record, which nothing here answers with. */
function checkRcode(rcode: number): void {
  if (!Number.isInteger(rcode) || rcode < 0 || rcode > 15) throw new RangeError(`DNS RCODE ${rcode} does not fit the header's 4 bits`);
}

function writeRecord(out: number[], record: DnsRecord, written: Map<string, number>): void {
  writeName(out, nameLabels(record.name), written);
  push16(out, record.type, DNS_CLASS_IN, (record.ttl >>> 16) & 0xffff, record.ttl & 0xffff);
  const lengthAt = out.length;
  push16(out, 0);
  if (record.type === DNS_TYPE.A) out.push(...ipv4Bytes(record));
  else if (record.type === DNS_TYPE.AAAA) out.push(...ipv6Bytes(record));
  else writeName(out, nameLabels(record.data), written);
  const rdlength = out.length - lengthAt - 2;
  out[lengthAt] = rdlength >> 8;
  out[lengthAt + 1] = rdlength & 0xff;
}

function push16(out: number[], ...values: number[]): void {
  for (const value of values) out.push((value >> 8) & 0xff, value & 0xff);
}

function ipv4Bytes(record: DnsRecord): number[] {
  if (!isIPv4(record.data)) throw malformed(`DNS A record for "${record.name}" holds "${record.data}", not an IPv4 address`);
  return record.data.split('.').map(Number);
}

/** The 16 bytes of any IPv6 text net.isIPv6 accepts: `::` runs, a dotted IPv4 tail, a zone (dropped). */
function ipv6Bytes(record: DnsRecord): number[] {
  if (!isIPv6(record.data)) throw malformed(`DNS AAAA record for "${record.name}" holds "${record.data}", not an IPv6 address`);
  const text = record.data.split('%')[0] as string;
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = '', tail] = text.split('::');
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const all = [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** A message as DNS over TCP carries it: a 2-byte length, then the message (RFC 1035 §4.2.2). */
export function tcpFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(2 + message.length);
  frame.writeUInt16BE(message.length, 0);
  frame.set(message, 2);
  return frame;
}
