// Admin and debug requests to a component that listens on the loopback of its own network namespace (an `up --netns`
// mesh): made from inside that namespace, with the same one-sentence failures as a direct request. Real namespace,
// real HTTP server in it (root, as CI runs; fails rather than skips without it).
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopology, removeLeftovers, runPrefix, type Topology } from '@ambient/netns';
import { request } from '../src/ztunnel-config/http.js';

const FAMILY = 'ambctlhttp';
let topology: Topology;
let server: ChildProcess;
let namespace: string;
let port: number;

beforeAll(async () => {
  await removeLeftovers(FAMILY);
  topology = await createTopology({ prefix: runPrefix(FAMILY), nodes: [{ name: 'node-a', workloads: [] }] });
  namespace = topology.node('node-a').namespace;
  // Answers with the method and path, and a body whose last line looks like a status line, to prove it is kept.
  // The port is written as text: console.log(number) prints colour codes under FORCE_COLOR, which nx sets.
  const code = `require('http').createServer((q,s)=>{if(q.url==='/hangup')return q.socket.destroy();s.writeHead(q.url==='/missing'?404:200);s.end(q.method+' '+q.url+'\\n200')}).listen(0,'127.0.0.1',function(){process.stdout.write(this.address().port+'\\n')})`;
  server = topology.spawn(namespace, [process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = server.stdout;
  if (!out) throw new Error('the test server has no stdout pipe');
  port = await new Promise<number>((resolve) => createInterface({ input: out }).once('line', (l) => resolve(Number(l))));
}, 30_000);

afterAll(async () => {
  server?.kill();
  await topology?.destroy();
});

describe('request() into a network namespace', () => {
  it('reaches a server on that namespace’s loopback, with method, status and the whole body', async () => {
    expect(await request({ address: `127.0.0.1:${port}`, netns: namespace }, '/logging?level=debug', 'the test ztunnel', 'POST')).toEqual({
      status: 200,
      body: 'POST /logging?level=debug\n200',
    });
    expect((await request({ address: `127.0.0.1:${port}`, netns: namespace }, '/missing', 'the test ztunnel')).status).toBe(404);
  });

  it('is not answered by the host: the same address outside the namespace refuses', async () => {
    await expect(request({ address: `127.0.0.1:${port}` }, '/', 'the test ztunnel')).rejects.toThrow(/connection refused/);
  });

  it('names the component, the address and the namespace when nothing listens there', async () => {
    await expect(request({ address: '127.0.0.1:1', netns: namespace }, '/config_dump', 'the ztunnel of node-a')).rejects.toThrow(
      `cannot reach the ztunnel of node-a at 127.0.0.1:1 in network namespace ${namespace} (connection refused): is it running?`,
    );
  });

  it('names a server that closes without an HTTP answer', async () => {
    await expect(request({ address: `127.0.0.1:${port}`, netns: namespace }, '/hangup', 'the test ztunnel')).rejects.toThrow(
      `cannot reach the test ztunnel at 127.0.0.1:${port} in network namespace ${namespace} (empty reply): is it running?`,
    );
  });

  it('says so when the namespace is gone', async () => {
    await expect(request({ address: '127.0.0.1:15000', netns: `${namespace}-gone` }, '/config_dump', 'the ztunnel of node-a')).rejects.toThrow(
      /in network namespace \S+-gone \(the namespace is gone\): is it running\?/,
    );
  });
});
