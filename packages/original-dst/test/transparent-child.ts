// Runs in the test's node namespace (spawned by `ip netns exec`): connects to HOST:PORT from SOURCE with a
// transparent socket and prints, as one JSON line, where it was bound before connecting, what the server said about
// its peer, or the error it got.
import { once } from 'node:events';
import { openTransparentSocket, transparentSupport } from '../src/index.js';

const [source = '', host = '', port = '0'] = process.argv.slice(2);
const support = transparentSupport();
try {
  const socket = openTransparentSocket(source, { allowHalfOpen: true });
  const bound = socket.address();
  socket.connect({ host, port: Number(port) });
  await once(socket, 'connect');
  const local = socket.localAddress;
  let said = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
  await once(socket, 'end');
  socket.destroy();
  console.log(JSON.stringify({ support, bound, local, said: said.trim() }));
} catch (err) {
  console.log(JSON.stringify({ support, error: { code: (err as { code?: string }).code, errno: (err as { errno?: number }).errno, message: (err as Error).message } }));
}
