// An HBONE server in front of loopback targets, as the tests and the `hbone serve` command use it.
import { afterAll, beforeAll } from 'vitest';
import type { Duplex } from 'node:stream';
import { startEcho, type EchoServer } from './helpers.js';
import { createTestPki, ID, type TestPki } from './pki.js';
import { dialTcp, HboneServer, type HboneServerOptions, type Refusal, type TlsMaterial, type TunnelRequest } from '../src/index.js';

export interface ServerFixture {
  readonly server: HboneServer;
  readonly port: number;
  readonly requests: TunnelRequest[];
  close(): Promise<void>;
}

/** Dials the CONNECT authority on loopback; port `deniedPort` is refused as a policy would. */
export function dialAuthority(request: TunnelRequest, deniedPort?: number): Promise<Duplex | Refusal> {
  if (request.authority.port === deniedPort) return Promise.resolve({ kind: 'denied', reason: 'test policy' });
  return dialTcp(request.authority).catch((err: Error) => ({ kind: 'unreachable', reason: err.message }) as const);
}

export async function startServer(
  tls: TlsMaterial,
  options: Partial<HboneServerOptions> & { deniedPort?: number } = {},
): Promise<ServerFixture> {
  const requests: TunnelRequest[] = [];
  const server = new HboneServer({
    tls,
    handler: (request) => {
      requests.push(request);
      return dialAuthority(request, options.deniedPort);
    },
    ...options,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, requests, close: () => server.drain(1000) };
}

export interface PkiAndEcho {
  readonly pki: TestPki;
  readonly echo: EchoServer;
}

/** Registers hooks that create a test PKI and start a loopback echo target for one test file, and remove both after. */
export function usePkiAndEcho(): PkiAndEcho {
  const env = {} as { pki: TestPki; echo: EchoServer };
  beforeAll(async () => {
    env.pki = createTestPki();
    env.echo = await startEcho();
  });
  afterAll(async () => {
    await env.echo.close();
    env.pki.cleanup();
  });
  return env;
}

export interface TunnelEnv extends PkiAndEcho {
  readonly fixture: ServerFixture;
}

/** Registers hooks that start a PKI, an echo target and an HBONE server in front of it for one test file. */
export function useTunnelEnv(): TunnelEnv {
  // After-hooks run in reverse order (vitest's 'stack'), so the server closes before the echo target and the PKI.
  const env = usePkiAndEcho() as PkiAndEcho & { fixture: ServerFixture };
  beforeAll(async () => {
    env.fixture = await startServer(env.pki.leaf(ID.server));
  });
  afterAll(() => env.fixture.close());
  return env;
}
