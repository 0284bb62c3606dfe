// Outbound for one local workload: a destination (from a SOCKS5 request or a transparently captured connection)
// becomes a plan (planOutbound; on demand, once what it lacks was looked up), then an HBONE tunnel with the
// workload's certificate or a plain TCP connection; SOCKS5 answers each failure with the reply CONTRACTS.md gives.
import { isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { dialTcp, HboneError, splice, type DialOptions, type HboneClient } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { ACCESS_LOG_COMPLETE, ACCESS_LOG_FAILED, ACCESS_LOG_OPENED, earlyDenyRecord, type ResponseFlag } from '@ambient/telemetry';
import { hostPort } from './connections.js';
import { CONNECT_TIMEOUT_MS, SOCKS_HANDSHAKE_TIMEOUT_MS, type ProxyContext } from './context.js';
import { connectThroughGateway } from './double-hbone.js';
import { handshakeRevoked, revokedOutcome, sessionOf } from './live-revocation.js';
import { fetchResolvedPlan } from './on-demand-dns/resolve-step.js';
import { socketOptions } from './socket-options.js';
import { connectHeaders } from './tunnel-headers.js';
import { planOutbound, type OutboundDestination, type OutboundPlan } from './plan/outbound.js';
import { reply, Reply, type ReplyCode } from './socks5/codec.js';
import { socksHandshake } from './socks5/handshake.js';

export interface OutboundSource {
  /** Replaced when the control plane updates the workload. */
  workload: WorkloadRecord;
  /** The workload's own address: tunnels and plain connections leave from it ('' in iptables capture: the node's). */
  readonly address: string;
  readonly client: HboneClient;
}

type RefuseCode = Extract<OutboundPlan, { kind: 'refuse' }>['code'];

/** How the capture in front answers the app: SOCKS5 replies, or (transparent capture) nothing but a close. */
export interface OutboundAnswer {
  refused(code: RefuseCode): void;
  failed(err: unknown): void;
  connected(): void;
}

const REFUSE_REPLY: Record<RefuseCode, ReplyCode> = {
  UNKNOWN_NAME: Reply.HOST_UNREACHABLE,
  NO_HEALTHY_UPSTREAM: Reply.CONNECTION_REFUSED,
  SELF_CALL: Reply.NOT_ALLOWED,
  UNSUPPORTED: Reply.GENERAL_FAILURE,
};

/**
 * Serves one SOCKS5 connection from `source.workload` to its end. `listening`: the address of the listener that
 * accepted it, when bound to one IP (it is then the socket's local address, and the reply needs no getsockname(2)).
 */
export async function socksOutbound(ctx: ProxyContext, source: OutboundSource, socket: Socket, listening?: { address: string; port: number }): Promise<void> {
  socket.setNoDelay(true);
  const handshake = await socksHandshake(socket, SOCKS_HANDSHAKE_TIMEOUT_MS);
  const src = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  if (handshake.kind === 'refused') {
    ctx.log.debug({ src: `${src.address}:${src.port}`, reason: handshake.reason }, 'SOCKS5 request refused');
    return;
  }
  const prefix = handshake.replyPrefix;
  await carryOutbound(ctx, source, socket, handshake.destination, handshake.early, {
    refused: (code) => socket.end(reply(REFUSE_REPLY[code], undefined, prefix)),
    failed: (err) => socket.end(reply(failureReply(err).code, undefined, prefix)),
    connected: () => socket.write(reply(Reply.SUCCEEDED, listening ?? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 }, prefix)),
  });
}

/** Plans and runs one outbound connection from `source.workload` to `destination`, to its end. */
export async function carryOutbound(ctx: ProxyContext, source: OutboundSource, socket: Socket, destination: OutboundDestination, early: Buffer, answer: OutboundAnswer): Promise<void> {
  const src = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  if (ctx.onDemandXds) await ctx.onDemandXds.beforeOutbound(ctx.state, source.workload, destination);
  const planned = planOutbound(ctx.state, source.workload, destination, { hbonePort: ctx.config.hbonePort, illegalPorts: ctx.illegalPorts });
  const plan = planned.kind === 'resolve' ? await fetchResolvedPlan(ctx, source.workload, planned) : planned;
  const named = 'hostname' in destination ? { address: destination.hostname, port: destination.port } : { address: destination.ip, port: destination.port };
  if (plan.kind === 'refuse') {
    ctx.accessLog.warn(earlyDenyRecord('source', src, named, plan.reason), ACCESS_LOG_FAILED);
    answer.refused(plan.code);
    return;
  }
  const hbone = plan.kind === 'hbone' || plan.kind === 'double-hbone';
  const target = plan.kind === 'hbone' ? plan.nextHop : plan.kind === 'double-hbone' ? plan.gateway.nextHop : plan.target;
  const connection = ctx.metrics.track(
    {
      reporter: 'source',
      source: source.workload,
      // The identity this tunnel presents is the workload's own certificate: ztunnel logs it as src.identity.
      ...(hbone ? { derivedSource: { identity: source.workload.identity } } : {}),
      ...(plan.kind !== 'passthrough' && plan.destination ? { destination: plan.destination } : {}),
      ...(hbone && plan.service ? { destinationService: plan.service } : {}),
      securityPolicy: hbone ? 'mutual_tls' : 'unknown',
    },
    {
      src,
      dst: { address: target.host, port: target.port },
      ...(hbone ? { hbone: authorityAddress(plan.authority) } : {}),
      srcWorkload: source.workload.name,
      ...(plan.kind !== 'passthrough' && plan.destination ? { dstWorkload: plan.destination.name } : {}),
    },
  );
  let upstream: Duplex;
  const from = sourceFor(source, target.host);
  try {
    upstream =
      plan.kind === 'hbone' ? await source.client.connect({ nextHop: plan.nextHop, authority: plan.authority, expectedIdentities: plan.expectedIdentities, sourceIp: from, headers: connectHeaders(source.workload, src, plan.service?.hostname) })
      : plan.kind === 'double-hbone' ? await connectThroughGateway(source.client, plan, from)
      : await dialTcp({ host: plan.target.host, port: plan.target.port, timeoutMs: CONNECT_TIMEOUT_MS, configureSocket: socketOptions(ctx.config.socketConfig), ...leaveFrom(ctx, from) });
  } catch (err) {
    if (ctx.revocation && handshakeRevoked(err)) ctx.revocation.refused('source');
    const record = connection.close({ error: (err as Error).message, responseFlags: failureReply(err).flag });
    if (record) ctx.accessLog.error(record, ACCESS_LOG_COMPLETE);
    answer.failed(err);
    return;
  }
  upstream.on('error', () => undefined);
  const tunnelSession = ctx.revocation && sessionOf(upstream);
  answer.connected();
  if (early.length > 0) upstream.write(early);
  const link = ctx.connections?.opened({
    workload: source.workload,
    direction: 'outbound',
    src: hostPort(src.address, src.port),
    originalDst: hostPort(named.address, named.port),
    actualDst: hostPort(target.host, target.port),
    protocol: hbone ? 'HBONE' : 'TCP',
  });
  if (ctx.accessLog.isLevelEnabled('debug')) ctx.accessLog.debug(connection.openedRecord(), ACCESS_LOG_OPENED);
  const spliced = splice(socket, upstream);
  socket.resume(); // the handshake paused it so no byte after the request was lost
  const result = await spliced;
  ctx.connections?.closed(link);
  connection.countRequestBytes(result.aToB + early.length);
  connection.countResponseBytes(result.bToA);
  const outcome = (ctx.revocation && revokedOutcome(ctx.revocation, tunnelSession)) ?? (result.error ? { error: result.error.message } : undefined);
  const record = connection.close(outcome ?? {});
  if (!record) return;
  if (outcome) ctx.accessLog.error(record, ACCESS_LOG_COMPLETE);
  else ctx.accessLog.info(record, ACCESS_LOG_COMPLETE);
}

/**
 * Where a connection to `target` leaves from: the source's own address, or, for a dual-stack workload, its address
 * of the target's family (a socket cannot leave from an IPv4 address towards an IPv6 one).
 */
function sourceFor(source: OutboundSource, target: string): string {
  if (!source.address || isIPv6(source.address) === isIPv6(target)) return source.address;
  return source.workload.addresses.find((a) => isIPv6(a) === isIPv6(target)) ?? source.address;
}

/** How a plain connection leaves from `address`: bound to it, or (iptables capture) through a transparent socket. */
function leaveFrom(ctx: ProxyContext, address: string): Pick<DialOptions, 'localAddress' | 'openSocket'> {
  if (!address) return {};
  const openSocket = ctx.originalSource?.from(address);
  return openSocket ? { openSocket } : { localAddress: address };
}

/** 0x02 when the destination denied (401), 0x05 when unreachable or refused, 0x04 when nothing answered. */
function failureReply(err: unknown): { code: ReplyCode; flag: ResponseFlag } {
  if (err instanceof HboneError) {
    if (err.status === 401) return { code: Reply.NOT_ALLOWED, flag: 'DENY' };
    if (err.code === 'HBONE_ERR_PEER_IDENTITY') return { code: Reply.NOT_ALLOWED, flag: 'IDENTITY_ERROR' };
    if (err.code === 'HBONE_ERR_TLS') return { code: Reply.CONNECTION_REFUSED, flag: 'TLS_FAILURE' };
    if (err.code === 'HBONE_ERR_TIMEOUT') return { code: Reply.HOST_UNREACHABLE, flag: 'NETWORK_POLICY' };
    return { code: Reply.CONNECTION_REFUSED, flag: 'CONNECT' };
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') return { code: Reply.HOST_UNREACHABLE, flag: 'CONNECT' };
  if (code === 'ENETUNREACH') return { code: Reply.NETWORK_UNREACHABLE, flag: 'CONNECT' };
  return { code: Reply.CONNECTION_REFUSED, flag: 'CONNECT' };
}

function authorityAddress(authority: string): { address: string; port: number } {
  const at = authority.lastIndexOf(':');
  return { address: authority.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(authority.slice(at + 1)) };
}
