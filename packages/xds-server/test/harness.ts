// Test plumbing: an openssl-made certificate, the server on port 0, and two ways to talk to it (grpc-js, raw HTTP/2).
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { vi } from 'vitest';
import { Server, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ambient/core';
import { AggregatedDiscoveryClient, callMetadata, channelCredentials, serverCredentials } from '@ambient/grpc';
import { DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '@ambient/api/xds';
import { XdsServer, type XdsServerOptions } from '../src/index.js';

export const quiet = createLogger({ name: 'test', level: 'silent' });

export interface Fixture {
  readonly dir: string;
  readonly rootPem: string;
  readonly certPath: string;
  readonly address: string;
  readonly xds: XdsServer<unknown>;
  stop(): void;
}

/** The server over TLS on 127.0.0.1:0 with a self-signed P-256 certificate made by openssl. */
export async function startServer(options: XdsServerOptions<unknown> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'xds-server-test-'));
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=istiod',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', certPath], { stdio: 'ignore' });
  const rootPem = readFileSync(certPath, 'utf8');
  const xds = new XdsServer<unknown>({ debounceMs: 1, logger: quiet, ...options });
  const server = new Server();
  xds.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials({ certChainPem: rootPem, keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') }), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    dir, rootPem, certPath, address: `127.0.0.1:${port}`, xds,
    stop: () => {
      xds.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Request = MessageInitShape<typeof DeltaDiscoveryRequestSchema>;

/** A grpc-js ADS stream that queues responses and lets a test await them one by one. */
export class AdsProbe {
  readonly stream: ClientDuplexStream<DeltaDiscoveryRequest | Request, DeltaDiscoveryResponse>;
  readonly status: Promise<StatusObject>;
  readonly #client: AggregatedDiscoveryClient;
  readonly #queue: DeltaDiscoveryResponse[] = [];
  #wake: (() => void) | undefined;

  constructor(f: Fixture, token?: string) {
    this.#client = new AggregatedDiscoveryClient(f.address, channelCredentials({ rootPem: f.rootPem }));
    this.stream = this.#client.deltaAggregatedResources(callMetadata(token, 'Kubernetes'));
    this.stream.on('data', (r: DeltaDiscoveryResponse) => (this.#queue.push(r), this.#wake?.()));
    this.stream.on('error', () => undefined);
    this.status = new Promise((resolve) => this.stream.on('status', resolve));
  }

  send(request: Request): void {
    this.stream.write(create(DeltaDiscoveryRequestSchema, request));
  }

  async next(ms = 3_000): Promise<DeltaDiscoveryResponse> {
    const until = Date.now() + ms;
    while (this.#queue.length === 0) {
      if (Date.now() > until) throw new Error('no response within the time limit');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.#queue.shift() as DeltaDiscoveryResponse;
  }

  /** Responses received and not yet taken. */
  get queued(): number {
    return this.#queue.length;
  }

  close(): void {
    this.stream.cancel();
    this.#client.close();
  }
}

/** A gRPC stream spoken by hand over node:http2, for what grpc-js will not send or for a reader that stalls. */
export class RawGrpcStream {
  readonly session: ClientHttp2Session;
  readonly stream: ClientHttp2Stream;
  readonly #chunks: Buffer[] = [];
  readonly #parsed: DeltaDiscoveryResponse[] = [];

  constructor(f: Fixture) {
    this.session = connect(`https://${f.address}`, { ca: f.rootPem });
    this.session.on('error', () => undefined);
    this.stream = this.session.request({
      ':method': 'POST', ':path': '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
      'content-type': 'application/grpc', te: 'trailers',
    });
    this.stream.on('error', () => undefined);
    this.stream.on('data', (c: Buffer) => this.#chunks.push(c));
  }

  /** Writes one length-prefixed gRPC message holding these bytes. */
  sendBytes(bytes: Uint8Array): void {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(bytes.length, 1);
    this.stream.write(Buffer.concat([header, bytes]));
  }

  send(request: Request): void {
    this.sendBytes(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, request)));
  }

  /** The call's grpc-status, from the trailers or from a trailers-only response. */
  grpcStatus(): Promise<number> {
    return new Promise((resolve) => {
      const take = (headers: Record<string, unknown>) => headers['grpc-status'] !== undefined && resolve(Number(headers['grpc-status']));
      this.stream.on('response', take);
      this.stream.on('trailers', take);
    });
  }

  /** Every complete response received so far (parsed once, as the bytes arrive). */
  responses(): DeltaDiscoveryResponse[] {
    let pending = Buffer.concat(this.#chunks);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const len = pending.readUInt32BE(1);
      this.#parsed.push(fromBinary(DeltaDiscoveryResponseSchema, pending.subarray(5, 5 + len)));
      pending = pending.subarray(5 + len);
    }
    this.#chunks.splice(0, this.#chunks.length, pending);
    return this.#parsed;
  }

  close(): void {
    this.session.destroy();
  }
}

/** Retries `check` until it stops throwing (vitest's waitFor), failing with its last error after `timeout` ms. */
export const eventually = <T>(check: () => T, timeout = 5_000): Promise<T> => vi.waitFor(check, { timeout, interval: 10 });
