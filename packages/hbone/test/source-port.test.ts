// Source ports chosen for dials from a given address (ztunnel: a workload's): parsing of the kernel's range files,
// the round-robin, and real dials (dialTcp) on loopback where the first port is held by a listener or by a live
// connection to the same destination (the kernel refuses those; the next port is used).
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dialTcp, parsePortRange, SourcePorts } from '../src/index.js';
import { portWindow, WINDOW } from '../src/source-port.js';

describe('parsePortRange', () => {
  it.each([
    ['32768\t60999\n', '', { low: 32768, high: 60999, reserved: [] }],
    ['1024 2048', '1500,1600-1610\n', { low: 1024, high: 2048, reserved: [[1500, 1500], [1600, 1610]] }],
  ])('reads %j with reserved %j', (range, reserved, expected) => {
    expect(parsePortRange(range, reserved)).toEqual(expected);
  });

  it.each([
    ['', ''],
    ['32768', ''],
    ['60999 32768', ''],
    ['0 100', ''],
    ['1 70000', ''],
    ['a b', ''],
    ['1024 2048', '1500-'],
    ['1024 2048', 'x'],
  ])('refuses range %j with reserved %j', (range, reserved) => {
    expect(parsePortRange(range, reserved)).toBeUndefined();
  });
});

describe('portWindow', () => {
  const range = { low: 32768, high: 60999, reserved: [[40000, 40010]] as [number, number][] };

  it('takes a block of the range where the random number says, keeping reserved ports', () => {
    expect(portWindow(range, 4096, 0)).toEqual({ low: 32768, high: 36863, reserved: range.reserved });
    expect(portWindow(range, 4096, 0.999999)).toEqual({ low: 56904, high: 60999, reserved: range.reserved });
    const middle = portWindow(range, 100, 0.5);
    expect(middle.high - middle.low + 1).toBe(100);
    expect(middle.low).toBeGreaterThan(range.low);
  });

  it('leaves a range no larger than the window as it is', () => {
    expect(portWindow({ low: 1000, high: 1999, reserved: [] }, 1000, 0.7)).toEqual({ low: 1000, high: 1999, reserved: [] });
    expect(portWindow({ low: 1000, high: 1009, reserved: [] }, 1000, 0.7)).toEqual({ low: 1000, high: 1009, reserved: [] });
  });

  it('keeps a default SourcePorts to one window of the ephemeral range', () => {
    const ports = new SourcePorts();
    const seen = new Set(Array.from({ length: WINDOW + 10 }, () => ports.next()));
    expect(seen.size).toBeLessThanOrEqual(WINDOW);
  });
});

describe('SourcePorts.next', () => {
  it('walks the range from its start, wraps, and skips reserved ports', () => {
    const ports = new SourcePorts({ low: 10, high: 14, reserved: [[12, 13]] }, 13);
    expect([1, 2, 3, 4].map(() => ports.next())).toEqual([14, 10, 11, 14]);
  });

  it('gives nothing when every port is reserved', () => {
    expect(new SourcePorts({ low: 10, high: 11, reserved: [[10, 11]] }).next()).toBeUndefined();
  });
});

describe('dialTcp from an address, with ports from SourcePorts, on loopback', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  const SERVER_IP = '127.0.33.1';
  const SOURCE_IP = '127.0.33.2';

  async function listen(host: string, port = 0): Promise<Server> {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    cleanup.push(() => server.close());
    return server;
  }

  /** A port P on SOURCE_IP held by a listener, with P + 1 free there. */
  async function heldPortWithFreeNext(): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const holder = await listen(SOURCE_IP);
      const port = (holder.address() as AddressInfo).port;
      if (port >= 65535) continue;
      const probe = await listen(SOURCE_IP, port + 1).catch(() => undefined);
      if (!probe) continue;
      probe.close();
      return port;
    }
    throw new Error('no port with a free neighbour on 127.0.33.2');
  }

  async function accepted(server: Server): Promise<{ remoteAddress: string; remotePort: number }> {
    const socket = await new Promise<Socket>((resolve) => server.once('connection', resolve));
    return { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 };
  }

  function track(socket: Socket): Socket {
    cleanup.push(() => socket.destroy());
    return socket;
  }

  it('dials from the workload address with the port it picked', async () => {
    const server = await listen(SERVER_IP);
    const held = await heldPortWithFreeNext();
    const ports = new SourcePorts({ low: held + 1, high: held + 1, reserved: [] });
    const peer = accepted(server);
    const socket = track(await dialTcp({ host: SERVER_IP, port: (server.address() as AddressInfo).port, localAddress: SOURCE_IP, timeoutMs: 2000, sourcePorts: ports }));
    expect(socket.localPort).toBe(held + 1);
    expect(await peer).toEqual({ remoteAddress: SOURCE_IP, remotePort: held + 1 });
  });

  it('moves on from a port a listener holds', async () => {
    const server = await listen(SERVER_IP);
    const held = await heldPortWithFreeNext();
    const ports = new SourcePorts({ low: held, high: held + 1, reserved: [] }, held);
    const socket = track(await dialTcp({ host: SERVER_IP, port: (server.address() as AddressInfo).port, localAddress: SOURCE_IP, timeoutMs: 2000, sourcePorts: ports }));
    expect(socket.localPort).toBe(held + 1);
  });

  it('moves on from a port already connected to the same destination', async () => {
    const server = await listen(SERVER_IP);
    const to = { host: SERVER_IP, port: (server.address() as AddressInfo).port, localAddress: SOURCE_IP, timeoutMs: 2000 };
    const held = await heldPortWithFreeNext();
    // Free the listener's port and connect from it, so the 4-tuple (SOURCE_IP:P → server) is in use.
    const free = await listen(SOURCE_IP, held + 1);
    free.close();
    const first = track(await dialTcp({ ...to, sourcePorts: new SourcePorts({ low: held + 1, high: held + 1, reserved: [] }) }));
    expect(first.localPort).toBe(held + 1);
    // The next range starts at that port: the connect fails there and the port after it is used.
    const ports = new SourcePorts({ low: held + 1, high: held + 2, reserved: [] }, held + 1);
    const second = track(await dialTcp({ ...to, sourcePorts: ports }));
    expect(second.localAddress).toBe(SOURCE_IP);
    expect(second.localPort).not.toBe(held + 1);
  });

  it('lets the kernel pick when every port of the range is taken', async () => {
    const server = await listen(SERVER_IP);
    const held = await heldPortWithFreeNext();
    const ports = new SourcePorts({ low: held, high: held, reserved: [] });
    const socket = track(await dialTcp({ host: SERVER_IP, port: (server.address() as AddressInfo).port, localAddress: SOURCE_IP, timeoutMs: 2000, sourcePorts: ports }));
    expect(socket.localAddress).toBe(SOURCE_IP);
    expect(socket.localPort).not.toBe(held);
  });

  it('rejects with the socket error when the destination refuses', async () => {
    const closed = await listen(SERVER_IP);
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const ports = new SourcePorts();
    await expect(dialTcp({ host: SERVER_IP, port, localAddress: SOURCE_IP, timeoutMs: 2000, sourcePorts: ports })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
