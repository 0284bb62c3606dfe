// One DNS message in, at most one out, whatever the transport: mesh names are answered from the mesh state (TTL
// 30 s, addresses shuffled, as ztunnel does), anything else goes to the upstream resolvers unchanged, and a bad
// query gets the error reply RFC 1035 names for it. A message that is already a response gets nothing, so two
// proxies pointed at each other cannot ping-pong.
import { ZtunnelError } from '../errors.js';
import { resolveMeshName, type AddressFamily, type DnsClient, type DnsLookup } from './resolve.js';
import { DNS_CLASS_IN, DNS_RCODE, DNS_TYPE, encodeError, encodeResponse, messageId, parseQuery, udpLimit, type DnsQuery, type DnsRecord } from './wire.js';

/** The TTL of answers for mesh names (ztunnel's). */
export const MESH_TTL_SECONDS = 30;
/** TCP replies carry a 2-byte length: that is their only limit. */
const TCP_LIMIT = 65_535;

export type DnsProtocol = 'udp' | 'tcp';

/** What happened to one query, for metrics and logs. */
export interface DnsOutcome {
  readonly protocol: DnsProtocol;
  /** The question's type as ztunnel's metrics name it ("A", "AAAA", "TYPE65"), or "" when the query was unreadable. */
  readonly queryType: string;
  readonly result: 'mesh' | 'forwarded' | 'upstream-failed' | 'refused';
  /** Seconds the upstream took (forwarded and upstream-failed). */
  readonly upstreamSeconds?: number;
  readonly name?: string;
  readonly reason?: string;
}

export interface DnsAnswerOptions {
  readonly lookup: DnsLookup;
  readonly clusterDomain: string;
  /** Sends a query to the upstream resolvers and resolves with their reply; rejects when none answered. */
  readonly forward: (query: Uint8Array, protocol: DnsProtocol) => Promise<Buffer>;
  /** Reorders a mesh answer's addresses (default: a uniform shuffle). */
  readonly shuffle?: (addresses: string[]) => string[];
  readonly now?: () => number;
  readonly onOutcome?: (outcome: DnsOutcome) => void;
  /** false (ztunnel with IPV6_ENABLED=false): a mesh name gets no AAAA records, an empty answer (default true). */
  readonly ipv6?: boolean;
}

/** The reply to `message` from `client` (undefined: send nothing). Never rejects. */
export async function answerDns(message: Uint8Array, protocol: DnsProtocol, client: DnsClient, options: DnsAnswerOptions): Promise<Buffer | undefined> {
  const report = options.onOutcome ?? (() => undefined);
  const id = messageId(message);
  if (id === undefined || isResponse(message)) {
    report({ protocol, queryType: '', result: 'refused', reason: id === undefined ? 'shorter than a DNS header' : 'a response, not a query' });
    return undefined;
  }
  let query: DnsQuery;
  try {
    query = parseQuery(message);
  } catch (err) {
    if (!(err instanceof ZtunnelError)) throw err;
    report({ protocol, queryType: '', result: 'refused', reason: err.message });
    return encodeError(id, DNS_RCODE.FORMERR, opcodeOf(message));
  }
  const { type, name } = query.question;
  const queryType = typeName(type);
  if (query.opcode !== 0) {
    report({ protocol, queryType, result: 'refused', name, reason: `opcode ${query.opcode} is not QUERY` });
    return encodeError(id, DNS_RCODE.NOTIMP, query.opcode);
  }
  const family = query.question.class === DNS_CLASS_IN ? familyOf(type) : undefined;
  const resolution = family === undefined ? undefined : resolveMeshName(options.lookup, name, family, client, options.clusterDomain);
  if (resolution?.kind === 'mesh') {
    const answers: DnsRecord[] = [];
    if (resolution.cname) answers.push({ name, type: DNS_TYPE.CNAME, ttl: MESH_TTL_SECONDS, data: resolution.owner });
    const recordType = family === 4 ? DNS_TYPE.A : DNS_TYPE.AAAA;
    const addresses = family === 6 && options.ipv6 === false ? [] : [...resolution.addresses];
    for (const ip of (options.shuffle ?? shuffle)(addresses)) answers.push({ name: resolution.owner, type: recordType, ttl: MESH_TTL_SECONDS, data: ip });
    report({ protocol, queryType, result: 'mesh', name });
    return encodeResponse({ query, rcode: DNS_RCODE.NOERROR, answers, authoritative: true, maxBytes: protocol === 'udp' ? udpLimit(query) : TCP_LIMIT });
  }
  const now = options.now ?? (() => performance.now());
  const started = now();
  try {
    const reply = await options.forward(message, protocol);
    report({ protocol, queryType, result: 'forwarded', name, upstreamSeconds: (now() - started) / 1000 });
    return reply;
  } catch (err) {
    report({ protocol, queryType, result: 'upstream-failed', name, upstreamSeconds: (now() - started) / 1000, reason: (err as Error).message });
    return encodeResponse({ query, rcode: DNS_RCODE.SERVFAIL, answers: [], authoritative: false, maxBytes: TCP_LIMIT });
  }
}

/** Whether the message's QR bit says it is a response (the proxy never answers one). */
export function isResponse(message: Uint8Array): boolean {
  return ((message[2] ?? 0) & 0x80) !== 0;
}

function opcodeOf(message: Uint8Array): number {
  return ((message[2] ?? 0) >> 3) & 0x0f;
}

function familyOf(type: number): AddressFamily | undefined {
  if (type === DNS_TYPE.A) return 4;
  if (type === DNS_TYPE.AAAA) return 6;
  return undefined;
}

const TYPE_NAMES = new Map<number, string>([[1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [15, 'MX'], [16, 'TXT'], [28, 'AAAA'], [33, 'SRV'], [65, 'HTTPS']]);

function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

function shuffle(list: string[]): string[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as string, list[i] as string];
  }
  return list;
}
