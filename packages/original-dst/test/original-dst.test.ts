// getOriginalDst's error paths: addon missing (with and without a recorded build failure), no descriptor, wrong socket.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, connect, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getOriginalDst, originalDstSupport, OriginalDstError } from '../src/index.js';
import { loadAddon } from '../src/addon.js';
import { originalDstWith } from '../src/original-dst.js';

const dir = mkdtempSync(join(tmpdir(), 'original-dst-'));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function acceptedPair(listenOn: string | { host: string; port: 0 }): Promise<Socket> {
  const server: Server = createServer();
  server.listen(listenOn);
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const address = server.address();
  const client = typeof address === 'string' ? connect(address) : connect(address!.port, address!.address);
  const [socket] = await accepted;
  cleanups.push(() => (client.destroy(), socket.destroy(), server.close()));
  return socket;
}

describe('when the native addon is missing', () => {
  it('throws ORIGINAL_DST_ERR_UNAVAILABLE naming the load error', async () => {
    const status = loadAddon(join(dir, 'absent.node'), join(dir, 'no-error-file.txt'));
    expect(status.available).toBe(false);
    const socket = await acceptedPair({ host: '127.0.0.1', port: 0 });
    let thrown: unknown;
    try {
      originalDstWith(status, socket);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OriginalDstError);
    expect((thrown as OriginalDstError).code).toBe('ORIGINAL_DST_ERR_UNAVAILABLE');
    expect((thrown as Error).message).toMatch(/^transparent capture unavailable: native addon not built: Cannot find module .*absent\.node/);
  });

  it('prefers the reason the install step recorded', () => {
    const errorFile = join(dir, 'addon-error.txt');
    writeFileSync(errorFile, "make: g++: No such file or directory | gyp ERR! stack Error: `make` failed with exit code: 2\n");
    const status = loadAddon(join(dir, 'absent.node'), errorFile);
    expect(status).toEqual({ available: false, reason: 'build failed: make: g++: No such file or directory | gyp ERR! stack Error: `make` failed with exit code: 2' });
  });

  it('rejects a module that is not the addon', () => {
    const fake = join(dir, 'fake.cjs');
    writeFileSync(fake, 'module.exports = { somethingElse() {} };\n');
    expect(loadAddon(fake)).toEqual({ available: false, reason: `${fake} does not export originalDst()` });
  });
});

describe('with the addon built by npm ci', () => {
  it('is available', () => {
    expect(originalDstSupport()).toEqual({ available: true });
  });

  it('throws ORIGINAL_DST_ERR_NO_FD for a socket that was never connected', () => {
    expect(() => getOriginalDst(new Socket())).toThrow(expect.objectContaining({ code: 'ORIGINAL_DST_ERR_NO_FD' }));
  });

  it('throws ORIGINAL_DST_ERR_SYSCALL with the errno for a Unix-domain socket', async () => {
    const socket = await acceptedPair(join(dir, `s-${process.pid}.sock`));
    let thrown: unknown;
    try {
      getOriginalDst(socket);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OriginalDstError);
    expect((thrown as OriginalDstError).code).toBe('ORIGINAL_DST_ERR_SYSCALL');
    expect((thrown as Error).message).toMatch(/^cannot read the original destination of fd \d+: getsockopt\(SO_ORIGINAL_DST\): /);
    expect((thrown as OriginalDstError).errno).toBeGreaterThan(0);
  });
});

describe('the addon itself, called with a descriptor that is not a number', () => {
  const status = loadAddon();
  it.each(['originalDst', 'getTcpKeepalive'] as const)('%s throws a TypeError naming its argument', (name) => {
    if (!status.available) throw new Error(`the addon must be built for this test (npm ci builds it): ${status.reason}`);
    const call = status.addon[name] as ((fd: unknown) => unknown) | undefined;
    expect(call).toBeTypeOf('function');
    for (const bad of ['3', undefined, null, {}]) expect(() => call?.(bad)).toThrow(new TypeError(`${name}(fd): fd must be a number`));
    expect(() => (call as (...args: unknown[]) => unknown)(1, 2)).toThrow(TypeError);
  });
});
