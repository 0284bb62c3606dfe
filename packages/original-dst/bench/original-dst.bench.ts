// Per-connection cost of reading the original destination on the transparent-capture path: getOriginalDst (getsockname
// + getsockopt through N-API) against one getsockname through Node's own TCP handle (baseline: one syscall from JS).
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { formatRatioTable } from '@ambient/core';
import { Bench } from 'tinybench';
import { getOriginalDst } from '../src/index.js';

const BATCH = 1000;
const server = createServer().listen(0, '127.0.0.1');
await once(server, 'listening');
const accepted = once(server, 'connection') as Promise<[Socket]>;
const client = connect((server.address() as { port: number }).port, '127.0.0.1');
const [socket] = await accepted;
// socket.address() caches its answer; the handle's method asks the kernel every time.
const handle = (socket as unknown as { _handle: { getsockname(out: object): number } })._handle;

// Without conntrack in this namespace the kernel answers ENOENT (undefined); either way the syscalls are the same.
console.log(`getOriginalDst on a plain loopback socket here: ${JSON.stringify(getOriginalDst(socket) ?? null)}`);

const bench = new Bench({ time: 700, warmup: true });
bench
  .add('handle.getsockname()', () => {
    for (let i = 0; i < BATCH; i++) handle.getsockname({});
  })
  .add('getOriginalDst(socket)', () => {
    for (let i = 0; i < BATCH; i++) getOriginalDst(socket);
  });
await bench.run();

const rate = (name: string): number => ((bench.getTask(name)?.result as { throughput?: { mean: number } } | undefined)?.throughput?.mean ?? 0) * BATCH;
console.log(
  formatRatioTable('original destination lookups per second', [
    { name: 'handle.getsockname()', value: rate('handle.getsockname()'), unit: 'calls/s' },
    { name: 'getOriginalDst(socket)', value: rate('getOriginalDst(socket)'), unit: 'calls/s' },
  ]),
);
client.destroy();
socket.destroy();
server.close();
