// Large-read sockets from dialTcp: every byte arrives in order through splice, early bytes are kept, and
// half-close still propagates.
import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { dialTcp, splice } from '../src/index.js';

async function server(onSocket: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => srv.close() };
}

/** A stand-in for a tunnel stream: `up` is what the tunnel delivers to the target, `down` what comes back. */
function tunnelEnds() {
  const up = new PassThrough();
  const down = new PassThrough();
  const received: Buffer[] = [];
  down.on('data', (c: Buffer) => received.push(c));
  return { up, down, received, stream: Duplex.from({ readable: up, writable: down }) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

it('delivers a large download intact, with bytes sent before splice attached, then the FIN', async () => {
  const payload = randomBytes(8 * 1024 * 1024 + 123);
  const target = await server((s) => {
    s.write('banner\n');
    setTimeout(() => s.end(payload), 50);
  });
  const socket = await dialTcp({ host: '127.0.0.1', port: target.port });
  await new Promise((r) => setTimeout(r, 20)); // the banner arrives before anyone consumes
  const t = tunnelEnds();
  const done = splice(socket, t.stream);
  await new Promise((r) => t.down.once('end', r));
  t.up.end(); // our direction ends too
  const result = await done;
  expect(result.error).toBeUndefined();
  const all = Buffer.concat(t.received);
  expect(all.subarray(0, 7).toString()).toBe('banner\n');
  expect(sha(all.subarray(7))).toBe(sha(payload));
  expect(result.aToB).toBe(payload.length + 7);
  target.close();
});

it('carries many small writes both ways in order (an echo target)', async () => {
  const target = await server((s) => s.pipe(s));
  const socket = await dialTcp({ host: '127.0.0.1', port: target.port });
  const t = tunnelEnds();
  const done = splice(socket, t.stream);
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}\n`);
  for (const line of lines) t.up.write(line);
  t.up.end();
  await new Promise((r) => t.down.once('end', r));
  expect((await done).error).toBeUndefined();
  expect(Buffer.concat(t.received).toString()).toBe(lines.join(''));
  target.close();
});

it('rejects with the socket error when nothing listens', async () => {
  await expect(dialTcp({ host: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});
