// The per-socket hook a caller uses for its own socket options (ztunnel's keepalive probes and TCP_USER_TIMEOUT):
// dialTcp, HboneServer's listener and HboneClient's sessions call it once per TCP connection, connected, and leave
// Node's keepalive off it then; sockets handed to serve() and double HBONE's inner session are not TCP of theirs.
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dialTcp, HboneClient, HboneServer, openSession } from '../src/index.js';
import { roundTrip } from './helpers.js';
import { ID } from './pki.js';
import { usePkiAndEcho } from './server-fixture.js';

const env = usePkiAndEcho();

/** What the hook saw of each socket when it ran. */
interface Seen {
  readonly localPort: number | undefined;
  readonly remotePort: number | undefined;
  readonly connecting: boolean;
  readonly tls: boolean;
}
const recorder = () => {
  const seen: Seen[] = [];
  const hook = (socket: Socket): void => void seen.push({ localPort: socket.localPort, remotePort: socket.remotePort, connecting: socket.connecting, tls: 'encrypted' in socket });
  return { seen, hook };
};

describe('dialTcp', () => {
  it('calls configureSocket once with the connected socket, and sets no keepalive of its own', async () => {
    const { seen, hook } = recorder();
    const options: net.SocketConstructorOpts[] = [];
    const socket = await dialTcp({ host: '127.0.0.1', port: env.echo.port, configureSocket: hook, openSocket: (o) => (options.push(o), new net.Socket(o)) });
    expect(seen).toEqual([{ localPort: socket.localPort, remotePort: env.echo.port, connecting: false, tls: false }]);
    expect(options[0]).toMatchObject({ noDelay: true });
    expect(options[0]).not.toHaveProperty('keepAlive');
    socket.destroy();
  });

  it('rejects the dial, and closes the socket, when the hook throws', async () => {
    const before = env.echo.connections();
    let dialled: Socket | undefined;
    const failing = dialTcp({ host: '127.0.0.1', port: env.echo.port, openSocket: (o) => (dialled = new net.Socket(o)), configureSocket: () => { throw new Error('setsockopt(TCP_KEEPCNT): Invalid argument'); } });
    await expect(failing).rejects.toThrow('setsockopt(TCP_KEEPCNT): Invalid argument');
    expect(dialled?.destroyed).toBe(true);
    expect(env.echo.connections()).toBe(before + 1);
  });
});

describe('HboneServer and HboneClient', () => {
  it('call it once per TCP connection: the server for each one it accepts, the client for each pooled session', async () => {
    const onServer = recorder();
    const onClient = recorder();
    const server = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => net.connect(env.echo.port, '127.0.0.1'), configureSocket: onServer.hook });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = new HboneClient({ tls: env.pki.leaf(ID.client), configureSocket: onClient.hook });
    try {
      for (const text of ['one', 'two']) {
        const stream = await client.connect({ nextHop: { host: '127.0.0.1', port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: [ID.server] });
        expect((await roundTrip(stream, text)).toString()).toBe(text);
      }
      // Two tunnels over one pooled session: one TCP connection, seen from both ends.
      expect(onClient.seen).toHaveLength(1);
      expect(onClient.seen[0]).toMatchObject({ remotePort: port, connecting: false, tls: true });
      expect(onServer.seen).toEqual([{ localPort: port, remotePort: onClient.seen[0]?.localPort, connecting: false, tls: false }]);
    } finally {
      client.close();
      await server.drain(1_000);
    }
  });

  it('leaves sockets handed to serve() to their caller', async () => {
    const { seen, hook } = recorder();
    const server = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => net.connect(env.echo.port, '127.0.0.1'), configureSocket: hook });
    const listener = net.createServer((socket) => server.serve(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    try {
      const stream = await client.connect({ nextHop: { host: '127.0.0.1', port: (listener.address() as AddressInfo).port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: [ID.server] });
      expect((await roundTrip(stream, 'served')).toString()).toBe('served');
      expect(seen).toEqual([]);
    } finally {
      client.close();
      listener.close();
      await server.drain(1_000);
    }
  });

  it('closes an accepted socket the hook refuses', async () => {
    const server = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => net.connect(env.echo.port, '127.0.0.1'), configureSocket: () => { throw new Error('EBADF'); } });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const raw = net.connect(port, '127.0.0.1');
      raw.on('error', () => undefined);
      await once(raw, 'close');
      expect(server.sessionCount).toBe(0);
    } finally {
      await server.drain(1_000);
    }
  });

  it('fails a client session whose hook throws, naming the peer and the hook\'s error', async () => {
    const server = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => net.connect(env.echo.port, '127.0.0.1') });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = new HboneClient({ tls: env.pki.leaf(ID.client), configureSocket: () => { throw new Error('setsockopt(TCP_KEEPIDLE): Invalid argument'); } });
    try {
      const failing = client.connect({ nextHop: { host: '127.0.0.1', port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: [ID.server] });
      await expect(failing).rejects.toThrow(`cannot set socket options towards HBONE peer 127.0.0.1:${port}: setsockopt(TCP_KEEPIDLE): Invalid argument`);
    } finally {
      client.close();
      await server.drain(1_000);
    }
  });

  it('does not call it for a session over a stream (double HBONE\'s inner one)', async () => {
    const { seen, hook } = recorder();
    const server = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => net.connect(env.echo.port, '127.0.0.1') });
    const { port } = await server.listen(0, '127.0.0.1');
    const tcp = net.connect(port, '127.0.0.1');
    await once(tcp, 'connect');
    try {
      const session = await openSession({ nextHop: { host: '127.0.0.1', port }, tls: env.pki.leaf(ID.client), expectedIdentities: [ID.server], socket: tcp, configureSocket: hook });
      expect(seen).toEqual([]);
      session.close();
    } finally {
      tcp.destroy();
      await server.drain(1_000);
    }
  });
});
