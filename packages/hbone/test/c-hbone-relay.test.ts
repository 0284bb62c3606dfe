// The C HBONE relay baseline (native/c-hbone-relay.c, nghttp2 and OpenSSL) against our own HBONE, both ways, so the
// bench baseline is known to speak the same protocol: its client side tunnels through our HboneServer, and our
// HboneClient tunnels through its server side. Also what it refuses: a target that does not answer (503), a client
// certificate from another CA, and arguments that are not addresses. Needs cc, libssl-dev and libnghttp2-dev.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestCa, issueTestSvid } from '@ambient/spiffe/testing';
import { HboneClient, HboneError, type TlsMaterial } from '../src/index.js';
import { buildCHboneRelay, cHboneRelayArgv, freePort, waitForPort, writeBenchCertificates, type Argv } from '../src/testing/index.js';
import { roundTrip, startEcho, type EchoServer } from './helpers.js';
import { startServer, type ServerFixture } from './server-fixture.js';

const CLIENT_ID = 'spiffe://cluster.local/ns/bench/sa/client';
const SERVER_ID = 'spiffe://cluster.local/ns/bench/sa/server';

let dir: string;
let binary: string;
let echo: EchoServer;
const children: ChildProcess[] = [];

const material = (side: 'client' | 'server'): TlsMaterial => ({
  cert: readFileSync(join(dir, `${side}.crt`), 'utf8'),
  key: readFileSync(join(dir, `${side}.key`), 'utf8'),
  ca: readFileSync(join(dir, `${side}.ca`), 'utf8'),
});

/** Starts one side of a relay pair and resolves once it listens on `port`. */
async function startSide([command, ...args]: Argv, port: number): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  await waitForPort(port);
}

/** Plain TCP to 127.0.0.1:`port`. */
function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'c-hbone-relay-'));
  binary = buildCHboneRelay(dir);
  writeBenchCertificates(dir);
  echo = await startEcho();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await echo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the C HBONE relay against our HBONE', () => {
  let server: ServerFixture;
  beforeAll(async () => {
    server = await startServer(material('server'));
  });
  afterAll(() => server.close());

  it('its client side tunnels through our HboneServer, with its certificate as the peer identity, half-close included', async () => {
    const accept = await freePort();
    const ends = { clientAccept: `127.0.0.1:${accept}`, serverAccept: `127.0.0.1:${server.port}`, target: `127.0.0.1:${echo.port}` };
    await startSide(cHboneRelayArgv(binary, ends, dir).client, accept);
    const payload = Buffer.alloc(300_000, 'c');
    const echoed = await roundTrip(await dial(accept), payload);
    expect(echoed.equals(payload)).toBe(true);
    // waitForPort's probe connection made a tunnel of its own: every CONNECT carries the relay's identity and target.
    const seen = new Set(server.requests.map((r) => `${r.peerIdentity} ${r.authority.host}:${r.authority.port}`));
    expect([...seen]).toEqual([`${CLIENT_ID} ${ends.target}`]);
  });

  it('our HboneClient tunnels through its server side, which proves the server identity in the handshake', async () => {
    const accept = await freePort();
    const ends = { clientAccept: '127.0.0.1:1', serverAccept: `127.0.0.1:${accept}`, target: `127.0.0.1:${echo.port}` };
    await startSide(cHboneRelayArgv(binary, ends, dir).server, accept);
    const client = new HboneClient({ tls: material('client') });
    try {
      const tunnel = await client.connect({ nextHop: { host: '127.0.0.1', port: accept }, authority: ends.target, expectedIdentities: [SERVER_ID] });
      expect((await roundTrip(tunnel, 'through C')).toString()).toBe('through C');
    } finally {
      client.close();
    }
  });
});

describe('what the C relay refuses', () => {
  let accept: number;
  beforeAll(async () => {
    accept = await freePort();
    const closed = await freePort(); // nothing listens there
    const ends = { clientAccept: '127.0.0.1:1', serverAccept: `127.0.0.1:${accept}`, target: `127.0.0.1:${closed}` };
    await startSide(cHboneRelayArgv(binary, ends, dir).server, accept);
  });

  it('answers 503 when its target refuses the connection', async () => {
    const client = new HboneClient({ tls: material('client') });
    try {
      const failure = await client.connect({ nextHop: { host: '127.0.0.1', port: accept }, authority: 'ignored:1', expectedIdentities: [SERVER_ID] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(HboneError);
      expect((failure as HboneError).status).toBe(503);
    } finally {
      client.close();
    }
  });

  it('refuses a client certificate from another CA in the handshake', async () => {
    const foreign = tlsMaterialFromSvid(issueTestSvid(CLIENT_ID, createTestCa()));
    const client = new HboneClient({ tls: { ...foreign, ca: material('client').ca } });
    try {
      await expect(client.connect({ nextHop: { host: '127.0.0.1', port: accept }, authority: `127.0.0.1:${echo.port}`, expectedIdentities: [SERVER_ID] })).rejects.toThrow();
    } finally {
      client.close();
    }
  });

  it.each([
    [['server', '127.0.0.1', '127.0.0.1:1', '/tmp'], '"127.0.0.1" is not an IPv4 HOST:PORT'],
    [['server', '127.0.0.1:99999', '127.0.0.1:1', '/tmp'], '"127.0.0.1:99999" is not an IPv4 HOST:PORT'],
    [['client', 'localhost:1', '127.0.0.1:2', '127.0.0.1:3', '/tmp'], '"localhost:1" is not an IPv4 HOST:PORT'],
    [['client', '127.0.0.1:1'], 'usage: c-hbone-relay client ACCEPT SERVER TARGET CERTDIR'],
    [['relay', '127.0.0.1:1', '127.0.0.1:2', '/tmp'], 'usage: c-hbone-relay client'],
  ])('exits 2 on bad arguments %j, naming what is wrong', (args, message) => {
    const r = spawnSync(binary, args, { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
