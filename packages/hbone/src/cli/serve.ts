// `hbone serve`: terminates HBONE and pipes each tunnel to its :authority — loopback targets only, unless
// --allow CIDR widens that. One log line per tunnel, with the peer identity.
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { createLogger } from '@ambient/core';
import type { Refusal } from '../errors.js';
import { HboneServer, type TunnelRequest } from '../server.js';
import { dialTcp } from '../tcp.js';
import { hostPort, parseFlags, readTls, UsageError } from './args.js';

export const SERVE_HELP = `usage: hbone serve --listen HOST:PORT --cert FILE --key FILE --ca FILE [--allow CIDR]...

Accepts HBONE (HTTP/2 CONNECT over mutual TLS 1.3) and connects each tunnel to its :authority.
  --listen HOST:PORT   address to accept HBONE on (e.g. 127.0.0.1:15008)
  --cert FILE          certificate chain (PEM, leaf first) with this server's SPIFFE ID
  --key FILE           its private key (PEM)
  --ca FILE            trust bundle; clients must chain to it and share the server's trust domain
  --allow CIDR         also allow targets in CIDR (repeatable); loopback is always allowed
`;

function allowList(cidrs: string[]): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const cidr of cidrs) {
    const [addr = '', len] = cidr.split('/');
    const family = isIP(addr);
    const prefix = Number(len ?? (family === 6 ? 128 : 32));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new UsageError(`--allow must be a CIDR such as 10.0.0.0/8 or fd00::/8, got "${cidr}"`);
    }
    list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

function dial(request: TunnelRequest, allowed: BlockList): Promise<Duplex | Refusal> {
  const { host, port } = request.authority;
  const family = isIP(host);
  if (family === 0) return Promise.resolve({ kind: 'bad-request', reason: `${host} is not an IP address` });
  if (!allowed.check(host, family === 6 ? 'ipv6' : 'ipv4')) {
    return Promise.resolve({ kind: 'denied', reason: `${host} is outside the allowed targets` });
  }
  return dialTcp({ host, port }).catch((err: Error) => ({ kind: 'unreachable', reason: err.message }) as const);
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseFlags(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        listen: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        allow: { type: 'string', multiple: true },
      },
    }),
  );
  const listen = hostPort(values.listen, '--listen', true);
  const allowed = allowList(values.allow ?? []);
  const tls = readTls(values);
  const log = createLogger({ name: 'hbone' });
  const started = new WeakMap<TunnelRequest, number>();
  const server = new HboneServer({
    tls,
    log,
    handler: async (request) => {
      started.set(request, Date.now());
      const answer = await dial(request, allowed);
      if ('kind' in answer) log.info({ peer: request.peerIdentity, authority: request.authority, refused: answer }, 'tunnel refused');
      return answer;
    },
    onTunnelDone: ({ request, result }) =>
      log.info(
        {
          peer: request.peerIdentity,
          src: `${request.remoteAddress}:${request.remotePort}`,
          authority: `${request.authority.host}:${request.authority.port}`,
          bytes_in: result.aToB,
          bytes_out: result.bToA,
          duration_ms: Date.now() - (started.get(request) ?? Date.now()),
          ...(result.error ? { error: result.error.message } : {}),
        },
        'tunnel closed',
      ),
  });
  const address = await server.listen(listen.port, listen.host);
  log.info({ address: `${address.address}:${address.port}` }, 'hbone serving');
  const stop = async () => {
    await server.drain(5_000);
    log.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
