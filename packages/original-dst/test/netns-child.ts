// Runs inside the test's network namespace (spawned by `ip netns exec`): accepts one connection per case and prints
// what getOriginalDst returned for each, as one JSON line on stdout.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { getOriginalDst } from '../src/index.js';

type Case = { name: string; listener: 'v4' | 'dual'; host: string; port: number };
const [v4Port, dualPort] = [Number(process.argv[2]), Number(process.argv[3])];
const cases = JSON.parse(process.argv[4] ?? '[]') as Case[];

async function listen(host: string, port: number): Promise<Server> {
  const server = createServer();
  server.listen({ host, port, ipv6Only: false });
  await once(server, 'listening');
  return server;
}

async function probe(server: Server, host: string, port: number): Promise<unknown> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ host, port });
  await once(client, 'connect');
  const [socket] = await accepted;
  try {
    const dst = getOriginalDst(socket);
    return { dst: dst ?? null, local: { address: socket.localAddress, port: socket.localPort } };
  } catch (err) {
    return { error: { code: (err as { code?: string }).code, message: (err as Error).message } };
  } finally {
    client.destroy();
    socket.destroy();
  }
}

const servers = { v4: await listen('0.0.0.0', v4Port), dual: await listen('::', dualPort) };
const results: Record<string, unknown> = {};
for (const c of cases) results[c.name] = await probe(servers[c.listener], c.host, c.port);
for (const server of Object.values(servers)) server.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
