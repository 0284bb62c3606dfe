// Inbound for local workloads: HBONE tunnels (15008) and plaintext connections (15006) are planned by
// planInbound (400/401/503), connected to the app, counted, logged and tracked for policy re-checks.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { dialTcp, splice, type DialOptions, type Refusal, type SpliceResult, type TunnelDone, type TunnelRequest } from '@ambient/hbone';
import type { ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { ACCESS_LOG_COMPLETE, ACCESS_LOG_FAILED, ACCESS_LOG_OPENED, earlyDenyRecord, type ResponseFlag, type SocketAddress, type TcpConnection } from '@ambient/telemetry';
import { hostPort, type ConnectionLink } from './connections.js';
import { sendProxyHeader } from './app-tunnel.js';
import { CONNECT_TIMEOUT_MS, type ProxyContext } from './context.js';
import { planInbound, type InboundRequest } from './plan/inbound.js';
import { socketOptions } from './socket-options.js';
import { baggageSource } from './tunnel-headers.js';

const REFUSAL_KIND = { 400: 'bad-request', 401: 'denied', 503: 'unreachable' } as const;

interface Admitted {
  readonly connection: TcpConnection;
  readonly upstream: Socket;
  readonly forget: () => void;
  /** Its entry in the /config_dump connections list. */
  readonly link: ConnectionLink | undefined;
  closedBy?: string;
  closedFlag?: ResponseFlag;
}

/** The HBONE side: a TunnelHandler and its onTunnelDone, sharing the admitted connections by request. */
export function hboneInbound(ctx: ProxyContext): { handler: (req: TunnelRequest) => Promise<Duplex | Refusal>; onTunnelDone: (done: TunnelDone) => void } {
  const admitted = new WeakMap<TunnelRequest, Admitted>();
  const handler = async (req: TunnelRequest): Promise<Duplex | Refusal> => {
    const request: InboundRequest = {
      dialledIp: req.localAddress,
      authority: { host: req.authority.host, port: req.authority.port },
      peerIdentity: req.peerIdentity,
      srcIp: req.remoteAddress,
      network: ctx.network,
      hbone: true,
      ...(req.forwardedNetwork === undefined ? {} : { forwardedNetwork: req.forwardedNetwork }),
    };
    const result = await admit(ctx, request, { address: req.remoteAddress, port: req.remotePort }, { address: req.localAddress, port: ctx.config.hbonePort }, {
      mtls: true,
      ...(req.forwarded.host ? { serviceHostname: req.forwarded.host } : {}),
      baggage: req.baggage,
    });
    if ('kind' in result) return result;
    admitted.set(req, result);
    return result.upstream;
  };
  const onTunnelDone = ({ request, result }: TunnelDone): void => {
    const entry = admitted.get(request);
    if (!entry) return;
    // Dropped now rather than left for the GC: entries of a WeakMap whose keys died make every scavenge slower.
    admitted.delete(request);
    finish(ctx, entry, result);
  };
  return { handler, onTunnelDone };
}

/**
 * The plaintext side (15006): no peer identity. In loopback mode nothing redirects traffic here, so the target port
 * is the workload's one service target port; a workload serving several ports cannot be reached this way. In
 * iptables capture the caller passes the original destination (`dialled`), which names the workload and port.
 */
export async function plaintextInbound(ctx: ProxyContext, workload: WorkloadRecord, socket: Socket, targetPort: number | undefined, dialled?: { address: string; port: number }): Promise<void> {
  socket.on('error', () => undefined);
  const src = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  const dst = dialled ?? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
  if (targetPort === undefined) {
    const reason = `${workload.namespace}/${workload.name} has no single service target port for plaintext inbound`;
    ctx.accessLog.warn(earlyDenyRecord('destination', src, dst, reason), ACCESS_LOG_FAILED);
    socket.destroy();
    return;
  }
  const request: InboundRequest = { dialledIp: dst.address, authority: { host: dst.address, port: targetPort }, srcIp: src.address, network: ctx.network };
  const result = await admit(ctx, request, src, dst, { mtls: false });
  if ('kind' in result) {
    socket.destroy();
    return;
  }
  finish(ctx, result, await splice(socket, result.upstream));
}

/** What the tunnel says of itself beyond the plan's inputs: mTLS or not, and its `forwarded host=` and `baggage`. */
interface TunnelFacts {
  readonly mtls: boolean;
  readonly serviceHostname?: string;
  readonly baggage?: Readonly<Record<string, string>>;
}

/**
 * Plans, connects to the app and registers the connection; a Refusal when any of that fails. As in ztunnel, a
 * refusal before the policy check is logged only ("connection failed"); from the policy check on, the connection
 * counts in the TCP metrics, a denial with response_flags DENY and a failure to reach the app with CONNECT.
 */
async function admit(ctx: ProxyContext, request: InboundRequest, src: { address: string; port: number }, dst: { address: string; port: number }, facts: TunnelFacts): Promise<Admitted | Refusal> {
  if (ctx.onDemandXds) await ctx.onDemandXds.beforeInbound(ctx.state, request);
  const plan = planInbound(ctx.state, request, { illegalPorts: ctx.illegalPorts });
  if (plan.kind === 'refuse') {
    if (!plan.workload) {
      ctx.accessLog.warn(earlyDenyRecord('destination', src, dst, plan.reason), ACCESS_LOG_FAILED);
    } else {
      const record = track(ctx, request, src, dst, plan.workload, request.authority, facts).close({ error: plan.reason, responseFlags: 'DENY' });
      if (record) ctx.accessLog.error(record, ACCESS_LOG_COMPLETE);
    }
    return { kind: REFUSAL_KIND[plan.status], reason: plan.reason };
  }
  const connection = track(ctx, request, src, dst, plan.workload, plan.target, facts);
  let upstream: Socket;
  try {
    upstream = await dialTcp({ host: plan.target.host, port: plan.target.port, timeoutMs: CONNECT_TIMEOUT_MS, configureSocket: socketOptions(ctx.config.socketConfig), ...originalSourceOf(ctx, request.srcIp, plan.target.host) });
    sendProxyHeader(upstream, plan.appTunnel, src, request.peerIdentity);
  } catch (err) {
    const reason = `cannot connect to ${plan.target.host}:${plan.target.port}: ${(err as Error).message}`;
    const record = connection.close({ error: reason, responseFlags: 'CONNECT' });
    if (record) ctx.accessLog.error(record, ACCESS_LOG_COMPLETE);
    return { kind: 'unreachable', reason };
  }
  const link = ctx.connections?.opened({
    workload: plan.workload,
    direction: 'inbound',
    src: hostPort(src.address, src.port),
    originalDst: hostPort(request.authority.host, request.authority.port),
    actualDst: hostPort(plan.target.host, plan.target.port),
    protocol: facts.mtls ? 'HBONE' : 'TCP',
  });
  const entry: Admitted = {
    connection,
    upstream,
    link,
    forget: ctx.inbound.add({
      request,
      srcPort: src.port,
      close: (reason, flag) => {
        entry.closedBy = reason;
        if (flag) entry.closedFlag = flag;
        upstream.destroy();
      },
    }),
  };
  if (ctx.accessLog.isLevelEnabled('debug')) ctx.accessLog.debug(connection.openedRecord(), ACCESS_LOG_OPENED);
  return entry;
}

/** Counts the connection opened for `workload` and returns its live record. */
function track(ctx: ProxyContext, request: InboundRequest, src: SocketAddress, dst: SocketAddress, workload: WorkloadRecord, target: { host: string; port: number }, facts: TunnelFacts): TcpConnection {
  // Through a gateway from another network the TCP peer is the gateway, not the source (ztunnel: from_gateway).
  const viaGateway = request.forwardedNetwork !== undefined && request.forwardedNetwork !== ctx.network;
  const source = viaGateway ? undefined : ctx.state.findWorkloadByAddress({ network: ctx.network, ip: request.srcIp });
  // Without a record of the source (through a gateway; from a node's address in iptables capture) its baggage names it.
  const derived = { ...(source || !facts.baggage ? {} : baggageSource(facts.baggage)), ...(request.peerIdentity ? { identity: request.peerIdentity } : {}) };
  const service = destinationService(ctx, workload, facts.serviceHostname);
  return ctx.metrics.track(
    {
      reporter: 'destination',
      ...(source ? { source } : {}),
      ...(Object.keys(derived).length > 0 ? { derivedSource: derived } : {}),
      destination: workload,
      ...(service ? { destinationService: service } : {}),
      securityPolicy: facts.mtls ? 'mutual_tls' : 'unknown',
    },
    { src, dst, ...(facts.mtls ? { hbone: { address: target.host, port: target.port } } : {}), dstWorkload: workload.name, ...(source ? { srcWorkload: source.name } : {}) },
  );
}

function finish(ctx: ProxyContext, entry: Admitted, result: SpliceResult): void {
  entry.forget();
  ctx.connections?.closed(entry.link);
  // Request bytes went from the peer towards the app.
  entry.connection.countRequestBytes(result.aToB);
  entry.connection.countResponseBytes(result.bToA);
  const error = entry.closedBy ?? result.error?.message;
  const record = entry.connection.close(error === undefined ? {} : { error, ...(entry.closedBy ? { responseFlags: entry.closedFlag ?? 'DENY' } : {}) });
  if (!record) return;
  if (error === undefined) ctx.accessLog.info(record, ACCESS_LOG_COMPLETE);
  else ctx.accessLog.error(record, ACCESS_LOG_COMPLETE);
}

/**
 * Connect to the app as the original source, as ztunnel does: in loopback mode by binding the source workload's own
 * loopback address, in iptables capture through a transparent socket. A workload calling itself connects plainly.
 */
function originalSourceOf(ctx: ProxyContext, srcIp: string, target: string): Pick<DialOptions, 'localAddress' | 'openSocket'> {
  if (isLoopback(srcIp) && isLoopback(target)) return { localAddress: srcIp };
  if (srcIp === target) return {};
  const openSocket = ctx.originalSource?.from(srcIp);
  return openSocket ? { openSocket } : {};
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}

/**
 * The service the client meant, from the CONNECT's `forwarded: host=` (the only use ztunnel makes of that header):
 * taken only when the local workload serves it, since the header is the client's word.
 */
function destinationService(ctx: ProxyContext, workload: WorkloadRecord, hostname: string | undefined): ServiceRecord | undefined {
  if (!hostname) return undefined;
  const service = ctx.state.findServiceByHostname(hostname, workload.namespace);
  return service && workload.services.has(service.key) ? service : undefined;
}
