// One side of a benchmarked path, run as its own process so its CPU time can be read from /proc.
// Usage: proxy.ts MODE LISTEN_PORT TARGET_PORT CERT_DIR
//   tls-client   TCP in → TLS 1.3 to TARGET_PORT       tls-server   TLS 1.3 in → TCP to TARGET_PORT
//   hbone-client TCP in → HBONE to TARGET_PORT         hbone-server HBONE in → TCP to the CONNECT authority
//   tcp-relay    TCP in → TCP to TARGET_PORT (no TLS: what a Node event loop costs a hop by itself)
// Prints "READY <port>" on stdout once listening.
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { dialTcp, HboneClient, HboneServer, splice } from '../src/index.js';
import { readMaterial } from './certs.js';

const [mode = '', listenPort = '0', targetPort = '0', certDir = ''] = process.argv.slice(2);
const read = (name: string) => readMaterial(certDir, name);
const SERVER_ID = 'spiffe://cluster.local/ns/bench/sa/server';
const target = Number(targetPort);
const TLS13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

function ready(server: net.Server | tls.Server): void {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
}

function dialTarget(): net.Socket {
  return net.connect({ host: '127.0.0.1', port: target, allowHalfOpen: true, noDelay: true });
}

switch (mode) {
  case 'tcp-relay': {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (inbound) => void splice(inbound, dialTarget()));
    server.listen(Number(listenPort), '127.0.0.1', () => ready(server));
    break;
  }
  case 'tls-client': {
    const material = read('client');
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (inbound) => {
      const outbound = tls.connect({ host: '127.0.0.1', port: target, ...material, ...TLS13, checkServerIdentity: () => undefined });
      outbound.setNoDelay(true);
      void splice(inbound, outbound);
    });
    server.listen(Number(listenPort), '127.0.0.1', () => ready(server));
    break;
  }
  case 'tls-server': {
    const server = tls.createServer({ ...read('server'), ...TLS13, requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }, (inbound) => {
      inbound.setNoDelay(true);
      void splice(inbound, dialTarget());
    });
    server.listen(Number(listenPort), '127.0.0.1', () => ready(server));
    break;
  }
  case 'hbone-client': {
    const client = new HboneClient({ tls: read('client') });
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (inbound) => {
      inbound.pause();
      client
        .connect({ nextHop: { host: '127.0.0.1', port: target }, authority: `127.0.0.1:${process.env.FINAL_PORT}`, expectedIdentities: [SERVER_ID] })
        .then((stream) => {
          inbound.resume();
          void splice(inbound, stream);
        })
        .catch(() => inbound.destroy());
    });
    server.listen(Number(listenPort), '127.0.0.1', () => ready(server));
    break;
  }
  case 'hbone-server': {
    const server = new HboneServer({
      tls: read('server'),
      handler: (request) =>
        dialTcp(request.authority).catch((err: Error) => ({ kind: 'unreachable', reason: err.message }) as const),
    });
    void server.listen(Number(listenPort), '127.0.0.1').then(({ port }) => process.stdout.write(`READY ${port}\n`));
    break;
  }
  default:
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(2);
}
