// iptables capture at node level: one listener each for outbound (15001), inbound HBONE (15008) and inbound
// plaintext (15006) in the node's namespace (and with --dns-capture the DNS proxy, 15053, answering each workload
// by the query's source address), the nat rules that redirect workload traffic to them, and the local
// workloads they hand connections to — chosen by the connection's source (outbound) or original destination
// (inbound), both read from the kernel (SO_ORIGINAL_DST), since after REDIRECT the socket only shows the node.
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { TCP_KEEPALIVE_IDLE_MS } from '@ambient/hbone';
import { getOriginalDst, type OriginalDst } from '@ambient/original-dst';
import type { WorkloadCertificates } from '../certificates.js';
import type { ProxyContext } from '../context.js';
import { DnsServer } from '../dns/server.js';
import { ZtunnelError } from '../errors.js';
import { LocalWorkloads } from '../local-workloads.js';
import { CapturedWorkload } from './captured-workload.js';
import { installCapture } from './iptables.js';
import { ServedByAddress } from './served-by-address.js';

type Direction = 'outbound' | 'inbound HBONE' | 'inbound plaintext';
type ListenOptions = Pick<net.ServerOpts, 'allowHalfOpen' | 'pauseOnConnect'>;

/**
 * Listeners whose sockets are spliced to an upstream once it is connected. Not reading until then keeps what the
 * client sends first (a request, a cookie, a ClientHello) in the kernel rather than in the stream's buffer, so the
 * splice can move the socket to large reads (it cannot once bytes are buffered) for the whole connection.
 */
const SPLICED: ListenOptions = { allowHalfOpen: true, pauseOnConnect: true };

/** How long a captured outbound connection waits for its source workload to be served (ztunnel: 5 s). */
export const SOURCE_WAIT_MS = 5_000;

export class NodeCapture {
  readonly #ctx: ProxyContext;
  readonly #workloads: LocalWorkloads<CapturedWorkload>;
  readonly #served = new ServedByAddress<CapturedWorkload>();
  readonly #servers: Server[] = [];
  #dns: DnsServer | undefined;
  #closing = false;

  constructor(ctx: ProxyContext, certificates: WorkloadCertificates) {
    this.#ctx = ctx;
    this.#workloads = new LocalWorkloads(ctx, certificates, CapturedWorkload.starter(this.#served));
  }

  /** Binds the three listeners, then installs the rules that send traffic to them. */
  async start(workloadInterfaces: string): Promise<void> {
    const { outboundPort, hbonePort, inboundPlaintextPort } = this.#ctx.config;
    // Half-open like SOCKS5's listener: a client's FIN must not end the way back before the destination answered.
    await this.#listen(outboundPort, 'outbound', (socket, bound) => this.#outbound(socket, bound), SPLICED);
    await this.#listen(hbonePort, 'inbound HBONE', (socket, bound) => this.#inbound(socket, 'inbound HBONE', bound));
    // Plaintext keeps half-closes too, as loopback's 15006 does.
    await this.#listen(inboundPlaintextPort, 'inbound plaintext', (socket, bound) => this.#inbound(socket, 'inbound plaintext', bound), SPLICED);
    const { dns, config, log } = this.#ctx;
    const dnsPort = dns ? config.dnsPort : undefined;
    if (dns) this.#dns = await DnsServer.listen('0.0.0.0', config.dnsPort, dns.handler((source) => this.#served.get(source)?.endpoint.workload), log);
    const originalSource = this.#ctx.originalSource !== undefined;
    await installCapture({ workloadInterfaces, outboundPort, hbonePort, inboundPlaintextPort, ...(dnsPort === undefined ? {} : { dnsPort }), originalSource });
    log.info({ workloadInterfaces, outboundPort, hbonePort, inboundPlaintextPort, ...(dnsPort === undefined ? {} : { dnsPort }), originalSource }, 'iptables capture installed');
  }

  pending(): string[] {
    return this.#workloads.pending();
  }

  /**
   * Stops accepting and lets carried connections finish up to `deadlineMs`. The rules stay: with ztunnel gone a
   * workload's connection is refused rather than sent in clear (fail closed, as with Istio's rules, which outlive
   * ztunnel); the next start replaces them.
   */
  async close(deadlineMs: number): Promise<void> {
    for (const server of this.#servers) server.close();
    this.#closing = true;
    this.#served.close();
    await this.#dns?.close();
    await this.#workloads.close(deadlineMs);
  }

  #outbound(socket: Socket, listening: number): void {
    const dst = this.#originalDst(socket, 'outbound', listening);
    if (!dst) return;
    const src = socket.remoteAddress ?? '';
    const workload = this.#served.get(src);
    if (workload) return workload.carryOutbound(socket, { ip: dst.address, port: dst.port });
    // A pod's first connections may come before its workload (xDS) or its certificate: they wait, paused, for it.
    void this.#served.whenServed(src, SOURCE_WAIT_MS, (stop) => socket.once('close', stop)).then((served) => {
      if (socket.destroyed) return;
      if (served) return served.carryOutbound(socket, { ip: dst.address, port: dst.port });
      if (this.#closing) return this.#refuse(socket, 'outbound', 'ztunnel is shutting down', dst);
      this.#refuse(socket, 'outbound', `source ${src} is no local workload served here (waited ${SOURCE_WAIT_MS / 1000} s for it)`, dst);
    });
  }

  #inbound(socket: Socket, direction: Direction, listening: number): void {
    const dst = this.#originalDst(socket, direction, listening);
    if (!dst) return;
    const workload = this.#served.get(dst.address);
    if (!workload) return this.#refuse(socket, direction, `destination ${dst.address} is no local workload served here`, dst);
    if (direction === 'inbound HBONE') workload.serveHbone(socket);
    else workload.carryPlaintext(socket, dst);
  }

  /** The kernel's original destination; undefined (socket closed, logged) when there is none to be had. */
  #originalDst(socket: Socket, direction: Direction, listening: number): OriginalDst | undefined {
    socket.on('error', () => undefined);
    let dst: OriginalDst | undefined;
    try {
      dst = getOriginalDst(socket);
    } catch (err) {
      this.#refuse(socket, direction, (err as Error).message);
      return undefined;
    }
    // The local address costs a getsockname(2): asked only when the port already matches the listener's.
    if (!dst || (dst.port === listening && dst.address === socket.localAddress)) {
      // Dialled directly rather than redirected: there is no destination to carry it to.
      this.#refuse(socket, direction, 'not redirected by the capture rules (no original destination)');
      return undefined;
    }
    return dst;
  }

  #refuse(socket: Socket, direction: Direction, reason: string, dst?: OriginalDst): void {
    const src = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    this.#ctx.log.warn({ direction, src, ...(dst ? { dst: `${dst.address}:${dst.port}` } : {}), reason }, 'captured connection closed');
    socket.destroy();
  }

  /** `onConnection` gets the port the listener is bound to (known once, rather than a getsockname per socket). */
  async #listen(port: number, what: Direction, onConnection: (socket: Socket, bound: number) => void, options: ListenOptions = {}): Promise<void> {
    let bound = port;
    const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_IDLE_MS, ...options }, (socket) => onConnection(socket, bound));
    this.#servers.push(server);
    // IPv4 only (as ztunnel with IPV6_ENABLED=false): the rules are iptables, not ip6tables, and a v4 listener keeps
    // peer addresses plain (no ::ffff: forms for the policy and workload lookups).
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ZtunnelError('ZTUNNEL_ERR_LISTEN', `cannot listen for ${what} capture on 0.0.0.0:${port}: ${err.message}`, { cause: err })));
      server.listen(port, '0.0.0.0', () => {
        bound = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
