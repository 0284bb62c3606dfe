// iperf3 cannot speak SOCKS5: this shim, its own process, accepts plain TCP on 127.0.0.1 and forwards each
// connection to a fixed destination, either straight (`plain`, to measure the shim's own cost) or through a SOCKS5
// listener (`socks`, ztunnel's). Prints "READY <port>" once listening.
// Usage: socks-shim.ts plain DEST_HOST DEST_PORT | socks DEST_HOST DEST_PORT SOCKS_HOST SOCKS_PORT
import net, { type AddressInfo } from 'node:net';
import { splice } from '@ambient/hbone';
import { socksExchange, socksRequest } from './socks-dial.js';

const [mode = '', destHost = '', destPort = '0', socksHost = '', socksPort = '0'] = process.argv.slice(2);
if (mode !== 'plain' && mode !== 'socks') {
  process.stderr.write(`usage: socks-shim.ts plain|socks DEST_HOST DEST_PORT [SOCKS_HOST SOCKS_PORT]\n`);
  process.exit(2);
}
const destination = { host: destHost, port: Number(destPort) };
const next = mode === 'socks' ? { host: socksHost, port: Number(socksPort) } : destination;
const request = socksRequest(destination);

const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (inbound) => {
  inbound.pause();
  inbound.on('error', () => undefined);
  const upstream = net.connect({ ...next, noDelay: true, allowHalfOpen: true });
  upstream.on('error', () => inbound.destroy());
  upstream.once('connect', () => {
    const ready = mode === 'socks' ? socksExchange(upstream, request) : Promise.resolve();
    ready.then(
      () => {
        void splice(inbound, upstream);
        inbound.resume();
        upstream.resume();
      },
      () => (inbound.destroy(), upstream.destroy()),
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
