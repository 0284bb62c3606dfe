// How a tunnel ends when one side stops early. A peer that ends its stream with RST_STREAM(NO_ERROR) after its own
// END_STREAM (RFC 9113 §8.1: it needs no more of the request) ends the splice cleanly, even with bytes still queued
// for it; a target that resets its connection resets the HBONE stream with CANCEL, so the client's splice fails at
// once instead of waiting for a finish that never comes.
import net, { type AddressInfo } from 'node:net';
import http2 from 'node:http2';
import { once } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HboneClient, HboneServer, splice } from '../src/index.js';
import { createTestPki, ID } from './pki.js';

/** A client-side app socket stand-in: `toTunnel` is what the app sends, `fromTunnel` what reaches it. */
function appEnd() {
  const toTunnel = new PassThrough();
  const fromTunnel = new PassThrough();
  fromTunnel.resume();
  return { toTunnel, stream: Duplex.from({ readable: toTunnel, writable: fromTunnel }) };
}

describe('splice when the other side stops early', () => {
  it('ends cleanly when the peer answers END_STREAM then RST_STREAM(NO_ERROR) while the upload is still queued', async () => {
    const pki = createTestPki();
    const server = http2.createSecureServer({ ...pki.leaf(ID.server), requestCert: true, rejectUnauthorized: true, settings: { initialWindowSize: 65_535 } });
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      // Done with the request: answer, end, and tell the client to stop sending.
      stream.end('bye', () => stream.close(http2.constants.NGHTTP2_NO_ERROR));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new HboneClient({ tls: pki.leaf(ID.client) });
    try {
      const tunnel = await client.connect({ nextHop: { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, authority: '127.0.0.1:9', expectedIdentities: [ID.server] });
      const app = appEnd();
      const done = splice(app.stream, tunnel);
      // Far more than the 64 KiB window: most of it can never be sent.
      app.toTunnel.end(Buffer.alloc(4 * 1024 * 1024));
      const result = await done;
      expect(result.error).toBeUndefined();
      expect(result.bToA).toBe(3);
    } finally {
      client.close();
      server.close();
      pki.cleanup();
    }
  });

  it('resets the HBONE stream with CANCEL when the target resets, so the client fails at once', async () => {
    const pki = createTestPki();
    const target = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.resetAndDestroy());
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const codes: number[] = [];
    const server = new HboneServer({
      tls: pki.leaf(ID.server),
      handler: () => new Promise((resolve) => {
        const upstream = net.connect((target.address() as AddressInfo).port, '127.0.0.1', () => resolve(upstream));
      }),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = new HboneClient({ tls: pki.leaf(ID.client) });
    try {
      const tunnel = await client.connect({ nextHop: { host: '127.0.0.1', port }, authority: '127.0.0.1:9', expectedIdentities: [ID.server] });
      tunnel.once('close', () => codes.push(tunnel.rstCode ?? -1));
      const app = appEnd();
      const done = splice(app.stream, tunnel);
      app.toTunnel.write(Buffer.alloc(1024));
      const result = await done;
      expect(result.error?.message).toBe('the peer reset the tunnel stream (CANCEL)');
      expect(codes).toEqual([http2.constants.NGHTTP2_CANCEL]);
    } finally {
      client.close();
      await server.drain(100);
      target.close();
      pki.cleanup();
    }
  });
});
