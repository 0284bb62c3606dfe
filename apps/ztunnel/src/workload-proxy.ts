// The listeners of one local workload in loopback capture, on the workload's own address: HBONE (15008) with its
// certificate, SOCKS5 (15080) leaving as the workload, plaintext inbound (15006), and with --dns-capture the DNS
// proxy (15053, UDP and TCP) answering as the workload. Rotation swaps certificates in
// place; close() stops accepting, sends GOAWAY and lets tunnels finish up to a deadline.
import net, { type AddressInfo, type Server } from 'node:net';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { Svid } from '@ambient/spiffe';
import type { ProxyContext } from './context.js';
import { DnsServer } from './dns/server.js';
import { ZtunnelError } from './errors.js';
import { hboneInbound, plaintextInbound } from './inbound.js';
import { socksOutbound } from './outbound.js';
import { socketOptions } from './socket-options.js';
import { WorkloadEndpoint } from './workload-endpoint.js';

export class WorkloadProxy {
  readonly address: string;
  readonly endpoint: WorkloadEndpoint;
  readonly #socks: Server;
  readonly #plaintext: Server;
  /** Where the SOCKS5 listener is bound (the workload's own IP): every SOCKS5 reply's BND.ADDR. */
  #socksAddress: AddressInfo | undefined;
  #dns: DnsServer | undefined;

  private constructor(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) {
    this.address = address;
    const endpoint = new WorkloadEndpoint(ctx, workload, address, svid, hboneInbound(ctx));
    this.endpoint = endpoint;
    // Half-open: a client's FIN must not end the way back before the destination has answered.
    const configure = socketOptions(ctx.config.socketConfig);
    this.#socks = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      configure(socket);
      endpoint.carry(socket, socksOutbound(ctx, endpoint.source, socket, this.#socksAddress));
    });
    this.#plaintext = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      configure(socket);
      const current = endpoint.workload;
      endpoint.carry(socket, plaintextInbound(ctx, current, socket, plaintextTargetPort(current)));
    });
  }

  /** Binds all three listeners on the workload's address; on failure nothing stays bound. */
  static async start(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid): Promise<WorkloadProxy> {
    const proxy = new WorkloadProxy(ctx, workload, address, svid);
    const { hbonePort, socks5Port, inboundPlaintextPort } = ctx.config;
    try {
      await proxy.endpoint.hbone.listen(hbonePort, address).catch((err: Error) => Promise.reject(listenError('HBONE', address, hbonePort, err)));
      await listen(proxy.#socks, 'SOCKS5', address, socks5Port);
      const bound = proxy.#socks.address() as AddressInfo;
      // A wildcard bind says nothing about a connection's local address: those replies ask the socket.
      proxy.#socksAddress = bound.address === '0.0.0.0' || bound.address === '::' ? undefined : bound;
      await listen(proxy.#plaintext, 'plaintext inbound', address, inboundPlaintextPort);
      if (ctx.dns) proxy.#dns = await DnsServer.listen(address, ctx.config.dnsPort, ctx.dns.handler(() => proxy.endpoint.workload), ctx.log);
    } catch (err) {
      await proxy.close(0);
      throw err;
    }
    return proxy;
  }

  /** A new certificate for this workload: new sessions use it, live ones keep theirs. */
  rotate(svid: Svid): void {
    this.endpoint.rotate(svid);
  }

  /** Stops accepting, GOAWAY on inbound sessions, waits for open connections up to `deadlineMs`, then cuts them. */
  async close(deadlineMs: number): Promise<void> {
    this.#socks.close();
    this.#plaintext.close();
    await this.#dns?.close();
    await this.endpoint.close(deadlineMs);
  }

  get openConnections(): number {
    return this.endpoint.openConnections;
  }
}

/** The app port plaintext inbound forwards to: the workload's only service target port, if it has exactly one. */
function plaintextTargetPort(workload: WorkloadRecord): number | undefined {
  const ports = new Set<number>();
  for (const mappings of workload.services.values()) for (const m of mappings) ports.add(m.targetPort || m.servicePort);
  return ports.size === 1 ? [...ports][0] : undefined;
}

function listen(server: Server, what: string, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(listenError(what, host, port, err)));
    server.listen(port, host, () => resolve());
  });
}

function listenError(what: string, host: string, port: number, err: Error): ZtunnelError {
  return new ZtunnelError('ZTUNNEL_ERR_LISTEN', `cannot listen for ${what} on ${host}:${port}: ${err.message}`, { cause: err });
}
