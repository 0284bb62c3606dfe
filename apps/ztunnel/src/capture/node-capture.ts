// iptables capture at node level: one listener each for outbound (15001), inbound HBONE (15008) and inbound
// plaintext (15006) in the node's namespace (and with --dns-capture the DNS proxy, 15053, answering each workload
// by the query's source address), the nat rules that redirect workload traffic to them, and the local
// workloads they hand connections to — chosen by the connection's source (outbound) or original destination
// (inbound), both read from the kernel (SO_ORIGINAL_DST), since after REDIRECT the socket only shows the node.
import { existsSync } from 'node:fs';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { getOriginalDst, type OriginalDst } from '@ambient/original-dst';
import type { WorkloadCertificates } from '../certificates.js';
import type { ProxyContext } from '../context.js';
import { DnsServer } from '../dns/server.js';
import { ZtunnelError } from '../errors.js';
import { LocalWorkloads } from '../local-workloads.js';
import { socketOptions } from '../socket-options.js';
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

/** The kernel lists IPv6 interface addresses here unless it was built or booted without IPv6. */
const KERNEL_IPV6 = '/proc/net/if_inet6';

export class NodeCapture {
  readonly #ctx: ProxyContext;
  readonly #workloads: LocalWorkloads<CapturedWorkload>;
  readonly #served = new ServedByAddress<CapturedWorkload>();
  readonly #servers: Server[] = [];
  readonly #dns: DnsServer[] = [];
  /** Whether IPv6 is captured too: --ipv6-enabled and a kernel with IPv6. */
  #ipv6 = false;
  #closing = false;

  constructor(ctx: ProxyContext, certificates: WorkloadCertificates) {
    this.#ctx = ctx;
    this.#workloads = new LocalWorkloads(ctx, certificates, CapturedWorkload.starter(this.#served));
  }

  /** Binds the three listeners, then installs the rules that send traffic to them. */
  async start(workloadInterfaces: string): Promise<void> {
    const { outboundPort, hbonePort, inboundPlaintextPort, ipv6Enabled } = this.#ctx.config;
    this.#ipv6 = ipv6Enabled && existsSync(KERNEL_IPV6);
    if (ipv6Enabled && !this.#ipv6) this.#ctx.log.warn({ reason: `${KERNEL_IPV6} is missing` }, 'the kernel has no IPv6: capturing IPv4 only');
    // Half-open like SOCKS5's listener: a client's FIN must not end the way back before the destination answered.
    await this.#listen(outboundPort, 'outbound', (socket, bound) => this.#outbound(socket, bound), SPLICED);
    await this.#listen(hbonePort, 'inbound HBONE', (socket, bound) => this.#inbound(socket, 'inbound HBONE', bound));
    // Plaintext keeps half-closes too, as loopback's 15006 does.
    await this.#listen(inboundPlaintextPort, 'inbound plaintext', (socket, bound) => this.#inbound(socket, 'inbound plaintext', bound), SPLICED);
    const { dns, config, log } = this.#ctx;
    const dnsPort = dns ? config.dnsPort : undefined;
    if (dns) {
      const handler = dns.handler((source) => this.#served.get(source)?.endpoint.workload);
      for (const host of this.#hosts()) this.#dns.push(await DnsServer.listen(host, config.dnsPort, handler, log));
    }
    const originalSource = this.#ctx.originalSource !== undefined;
    const ipv6 = this.#ipv6;
    await installCapture({ workloadInterfaces, outboundPort, hbonePort, inboundPlaintextPort, ...(dnsPort === undefined ? {} : { dnsPort }), originalSource, ipv6 });
    log.info({ workloadInterfaces, outboundPort, hbonePort, inboundPlaintextPort, ...(dnsPort === undefined ? {} : { dnsPort }), originalSource, ipv6 }, 'iptables capture installed');
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
    await Promise.all(this.#dns.map((d) => d.close()));
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

  /** The wildcard addresses listened on: IPv4's, and IPv6's when it is captured. */
  #hosts(): string[] {
    return this.#ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
  }

  /**
   * One listener per family, the IPv6 one `ipv6Only` (bound after IPv4, on the port IPv4 got): a dual-stack socket
   * would show IPv4 peers as ::ffff: forms to the policy and workload lookups. `onConnection` gets the port the
   * listener is bound to (known once, rather than a getsockname per socket).
   */
  async #listen(port: number, what: Direction, onConnection: (socket: Socket, bound: number) => void, options: ListenOptions = {}): Promise<void> {
    let bound = port;
    const configure = socketOptions(this.#ctx.config.socketConfig);
    for (const host of this.#hosts()) {
      const server = net.createServer({ noDelay: true, ...options }, (socket) => {
        configure(socket);
        onConnection(socket, bound);
      });
      this.#servers.push(server);
      await new Promise<void>((resolve, reject) => {
        const shown = net.isIPv6(host) ? `[${host}]:${bound}` : `${host}:${bound}`;
        server.once('error', (err) => reject(new ZtunnelError('ZTUNNEL_ERR_LISTEN', `cannot listen for ${what} capture on ${shown}: ${err.message}`, { cause: err })));
        server.listen({ port: bound, host, ipv6Only: net.isIPv6(host) }, () => {
          bound = (server.address() as AddressInfo).port;
          resolve();
        });
      });
    }
  }
}
