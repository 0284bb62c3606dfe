// What `up` reads from the wire and from files, including malformed input: the walk-through's SOCKS5 client against
// servers that answer wrongly, access-log lines cut short, and the address check.
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRecord, recordsSince } from '../src/up/access-log.js';
import { checkAddressesFree } from '../src/up/probes.js';
import { httpGetViaSocks5 } from '../src/up/socks5-client.js';

const servers: net.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A TCP server on 127.0.0.1:0 that runs `onConnection`; its address. */
async function serve(onConnection: (socket: net.Socket) => void): Promise<string> {
  const server = net.createServer((socket) => (socket.on('error', () => undefined), onConnection(socket)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** A SOCKS5 server that answers the CONNECT with `reply`, then (on success) an HTTP response. */
function socksServer(reply: number, http = 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nhi\n', seen?: (request: Buffer) => void) {
  return (socket: net.Socket): void => {
    let stage = 0;
    socket.on('data', (chunk: Buffer) => {
      if (stage === 0) {
        stage = 1;
        socket.write(Buffer.from([5, 0]));
      } else if (stage === 1) {
        stage = 2;
        seen?.(chunk);
        socket.write(Buffer.from([5, reply, 0, 1, 127, 0, 0, 1, 0, 80]));
        if (reply !== 0) socket.end();
      } else {
        socket.end(http);
      }
    });
  };
}

describe('the SOCKS5 client', () => {
  it('asks for the name (socks5h) and port, then reads the HTTP answer', async () => {
    let request: Buffer = Buffer.alloc(0);
    const proxy = await serve(socksServer(0, undefined, (r) => (request = r)));
    expect(await httpGetViaSocks5(proxy, 'http://echo.default.mesh:8080/x?y=1')).toEqual({ reply: 0, status: 200, body: 'hi\n' });
    expect([...request]).toEqual([5, 1, 0, 3, 17, ...Buffer.from('echo.default.mesh'), 0x1f, 0x90]);
  });

  it('returns a refusal code without sending the request', async () => {
    const proxy = await serve(socksServer(2));
    expect(await httpGetViaSocks5(proxy, 'http://echo.default.mesh/')).toEqual({ reply: 2 });
  });

  it('says when the server is not SOCKS5', async () => {
    const proxy = await serve((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await expect(httpGetViaSocks5(proxy, 'http://x/')).rejects.toThrow(`${proxy} is not a SOCKS5 server accepting no authentication`);
  });

  it('says how far it got when the server closes mid-reply', async () => {
    const proxy = await serve((socket) => socket.once('data', () => socket.end(Buffer.from([5]))));
    await expect(httpGetViaSocks5(proxy, 'http://x/')).rejects.toThrow('the connection closed after 1 of 2 bytes');
  });

  it('gives up on a silent server after the timeout', async () => {
    const proxy = await serve(() => undefined);
    await expect(httpGetViaSocks5(proxy, 'http://x/', 200)).rejects.toThrow(`no answer from ${proxy} within 200 ms`);
  });

  it('reports status 0 for an answer that is not HTTP', async () => {
    const proxy = await serve(socksServer(0, 'garbage'));
    expect(await httpGetViaSocks5(proxy, 'http://x/')).toEqual({ reply: 0, status: 0, body: '' });
  });
});

describe('access-log records', () => {
  it('skips lines that are not JSON or cut short, and lines before the moment', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ambientctl-log-')), 'z.log');
    await writeFile(file, ['(node:1) DeprecationWarning: …', '{"time":"2026-11-26T00:00:00.000Z","msg":"old"}', '{"time":"2026-11-26T00:00:02.000Z","msg":"new"}', '{"time":"2026-11-26T00:00:03.0'].join('\n'));
    expect(await recordsSince(file, Date.parse('2026-11-26T00:00:01Z'))).toEqual([{ time: '2026-11-26T00:00:02.000Z', msg: 'new' }]);
    expect(await recordsSince(join(file, 'missing'), 0)).toEqual([]);
  });

  it('waits for a record that is still being written', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ambientctl-log-')), 'z.log');
    await writeFile(file, '');
    setTimeout(() => void appendFile(file, `{"time":"${new Date().toISOString()}","msg":"connection complete"}\n`), 200);
    expect(await findRecord([file], Date.now() - 1000, (r) => r['msg'] === 'connection complete', 3_000)).toMatchObject({ file, record: { msg: 'connection complete' } });
    expect(await findRecord([file], Date.now() - 1000, (r) => r['msg'] === 'never', 200)).toBeUndefined();
  });
});

describe('the address check', () => {
  it('names the addresses in use, the first three and a count', async () => {
    const taken = await Promise.all([1, 2, 3, 4].map(() => serve(() => undefined)));
    await expect(checkAddressesFree(taken.map((address, i) => ({ address, what: `component ${i}` })))).rejects.toThrow(
      `cannot start the mesh: ${taken[0]} (component 0) is in use, ${taken[1]} (component 1) is in use, ${taken[2]} (component 2) is in use and 1 more; is another mesh running?`,
    );
    await expect(checkAddressesFree([{ address: '127.0.0.1:0', what: 'any' }])).resolves.toBeUndefined();
  });
});
