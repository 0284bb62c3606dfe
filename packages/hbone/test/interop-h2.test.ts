// Interop with Python's h2 (not Node's nghttp2) over mTLS, both directions.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HboneClient } from '../src/index.js';
import { ID } from './pki.js';
import { roundTrip } from './helpers.js';
import { startServer, usePkiAndEcho, type ServerFixture } from './server-fixture.js';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);
const env = usePkiAndEcho();

function materialFiles(name: string, identity: string): { cert: string; key: string; ca: string } {
  const m = env.pki.leaf(identity);
  const files = { cert: join(env.pki.dir, `${name}.crt`), key: join(env.pki.dir, `${name}.key`), ca: join(env.pki.dir, `${name}-ca.crt`) };
  writeFileSync(files.cert, m.cert);
  writeFileSync(files.key, m.key);
  writeFileSync(files.ca, m.ca);
  return files;
}

describe('a Python h2 client', () => {
  let fixture: ServerFixture;
  beforeAll(async () => {
    fixture = await startServer(env.pki.leaf(ID.server));
  });
  afterAll(() => fixture.close());

  it('tunnels through our server and sees our SPIFFE identity', async () => {
    const f = materialFiles('py-client', ID.client);
    const { stdout } = await run(PYTHON, [join(import.meta.dirname, 'py/h2_connect_client.py'), '127.0.0.1', String(fixture.port),
      f.cert, f.key, f.ca, `127.0.0.1:${env.echo.port}`, 'hello from python']);
    expect(JSON.parse(stdout)).toMatchObject({ status: 200, body: 'hello from python', server_sans: [ID.server] });
    expect(JSON.parse(stdout).headers).not.toHaveProperty('baggage');
    expect(fixture.requests.at(-1)?.peerIdentity).toBe(ID.client);
  });

  it('gets the headers the server adds to its 200 (ztunnel\'s response baggage), and only on a 200', async () => {
    const withHeaders = await startServer(env.pki.leaf(ID.server), { responseHeaders: (request) => ({ baggage: `k8s.namespace.name=ns,service.name=${request.authority.port}` }), deniedPort: 9 });
    try {
      const f = materialFiles('py-client-3', ID.client);
      const tunnel = await run(PYTHON, [join(import.meta.dirname, 'py/h2_connect_client.py'), '127.0.0.1', String(withHeaders.port), f.cert, f.key, f.ca, `127.0.0.1:${env.echo.port}`, 'x']);
      expect(JSON.parse(tunnel.stdout)).toMatchObject({ status: 200, headers: { baggage: `k8s.namespace.name=ns,service.name=${env.echo.port}` }, body: 'x' });
      const denied = await run(PYTHON, [join(import.meta.dirname, 'py/h2_connect_client.py'), '127.0.0.1', String(withHeaders.port), f.cert, f.key, f.ca, '127.0.0.1:9', 'x']);
      expect(JSON.parse(denied.stdout)).toMatchObject({ status: 401 });
      expect(JSON.parse(denied.stdout).headers).not.toHaveProperty('baggage');
    } finally {
      await withHeaders.close();
    }
  });

  it('gets 400 for a bad authority', async () => {
    const f = materialFiles('py-client-2', ID.client);
    const { stdout } = await run(PYTHON, [join(import.meta.dirname, 'py/h2_connect_client.py'), '127.0.0.1', String(fixture.port),
      f.cert, f.key, f.ca, 'not-an-authority', 'x']);
    expect(JSON.parse(stdout)).toMatchObject({ status: 400, body: '' });
  });
});

describe('our client against a Python h2 server', () => {
  let server: ChildProcess;
  let port: number;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const f = materialFiles('py-server', ID.server);
    server = spawn(PYTHON, [join(import.meta.dirname, 'py/h2_connect_server.py'), f.cert, f.key, f.ca], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rl = createInterface({ input: server.stdout! });
    port = await new Promise<number>((resolve) =>
      rl.on('line', (line) => (line.startsWith('PORT ') ? resolve(Number(line.slice(5))) : lines.push(JSON.parse(line) as Record<string, unknown>))),
    );
  });
  afterAll(() => {
    server.kill();
  });

  it('tunnels with mTLS and half-close, and the server sees our identity', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    const stream = await client.connect({ nextHop: { host: '127.0.0.1', port }, authority: '127.0.0.1:8080', expectedIdentities: [ID.server] });
    expect((await roundTrip(stream, 'echo me')).toString()).toBe('ECHO ME');
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.at(-1)).toEqual({ authority: '127.0.0.1:8080', client_sans: [ID.client], bytes: 7 });
    client.close();
  });

  it('refuses it when it presents an unexpected identity', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    const err = await client
      .connect({ nextHop: { host: '127.0.0.1', port }, authority: '127.0.0.1:8080', expectedIdentities: [ID.gateway] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HBONE_ERR_PEER_IDENTITY' });
    client.close();
  });
});
