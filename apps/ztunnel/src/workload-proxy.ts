// The listeners of one local workload in loopback capture, on the workload's own address: HBONE (15008) with its
// certificate, SOCKS5 (15080) leaving as the workload, plaintext inbound (15006). Rotation swaps certificates in
// place; close() stops accepting, sends GOAWAY and lets tunnels finish up to a deadline.
import net, { type Server, type Socket } from 'node:net';
import { HboneClient, HboneServer } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { tlsMaterialFromSvid, type Svid } from '@ambient/spiffe';
import type { ProxyContext } from './context.js';
import { ZtunnelError } from './errors.js';
import { hboneInbound, plaintextInbound } from './inbound.js';
import { socksOutbound, type OutboundSource } from './outbound.js';

export class WorkloadProxy {
  readonly address: string;
  readonly #ctx: ProxyContext;
  readonly #hbone: HboneServer;
  readonly #client: HboneClient;
  readonly #socks: Server;
  readonly #plaintext: Server;
  readonly #source: OutboundSource;
  readonly #accepted = new Set<Socket>();

  private constructor(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) {
    this.#ctx = ctx;
    this.address = address;
    const tls = tlsMaterialFromSvid(svid);
    const inbound = hboneInbound(ctx);
    this.#hbone = new HboneServer({ tls, handler: inbound.handler, onTunnelDone: inbound.onTunnelDone, log: ctx.log });
    this.#client = new HboneClient({ tls });
    this.#source = { workload, address, client: this.#client, open: new Set() };
    // Half-open: a client's FIN must not end the way back before the destination has answered.
    this.#socks = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.#track(socket, socksOutbound(ctx, this.#source, socket)));
    this.#plaintext = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      const current = this.#source.workload;
      this.#track(socket, plaintextInbound(ctx, current, socket, plaintextTargetPort(current)));
    });
  }

  /** Binds all three listeners on the workload's address; on failure nothing stays bound. */
  static async start(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid): Promise<WorkloadProxy> {
    const proxy = new WorkloadProxy(ctx, workload, address, svid);
    const { hbonePort, socks5Port, inboundPlaintextPort } = ctx.config;
    try {
      await proxy.#hbone.listen(hbonePort, address).catch((err: Error) => Promise.reject(listenError('HBONE', address, hbonePort, err)));
      await listen(proxy.#socks, 'SOCKS5', address, socks5Port);
      await listen(proxy.#plaintext, 'plaintext inbound', address, inboundPlaintextPort);
    } catch (err) {
      await proxy.close(0);
      throw err;
    }
    return proxy;
  }

  get workload(): WorkloadRecord {
    return this.#source.workload;
  }

  /** The same workload with new details (services, policies, locality): later connections use them. */
  update(workload: WorkloadRecord): void {
    this.#source.workload = workload;
  }

  /** A new certificate for this workload: new sessions use it, live ones keep theirs. */
  rotate(svid: Svid): void {
    const tls = tlsMaterialFromSvid(svid);
    this.#hbone.updateTls(tls);
    this.#client.updateTls(tls);
  }

  /** Stops accepting, GOAWAY on inbound sessions, waits for open connections up to `deadlineMs`, then cuts them. */
  async close(deadlineMs: number): Promise<void> {
    this.#socks.close();
    this.#plaintext.close();
    const idle = Promise.all([...this.#accepted].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))));
    const cut = setTimeout(() => {
      for (const socket of this.#accepted) socket.destroy();
    }, deadlineMs);
    await Promise.all([this.#hbone.drain(deadlineMs), idle]);
    clearTimeout(cut);
    this.#client.close();
  }

  get openConnections(): number {
    return this.#accepted.size + this.#hbone.sessionCount;
  }

  #track(socket: Socket, done: Promise<void>): void {
    this.#accepted.add(socket);
    socket.once('close', () => this.#accepted.delete(socket));
    done.catch((err: unknown) => {
      this.#ctx.log.error({ err: (err as Error).message, workload: this.workload.uid }, 'connection handling failed');
      socket.destroy();
    });
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
