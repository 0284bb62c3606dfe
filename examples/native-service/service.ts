// A Node service in the mesh with no proxy: default/native gets its own certificate from the mesh CA, takes HBONE
// tunnels on its own address (no ztunnel serves it, so every ztunnel dials it there) and calls echo over HBONE.
// Start the mesh first (`npx ambientctl up examples/native-service`), then, from the same directory:
//   node --import ./tools/source-loader.mjs examples/native-service/service.ts
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CaClient } from '@ambient/ca-grpc';
import { HboneClient, HboneServer } from '@ambient/hbone';
import { mintToken, tlsMaterialFromSvid } from '@ambient/spiffe';

// Who this service is: the WorkloadEntry default/native in mesh/workloads.yaml.
const ME = { namespace: 'default', serviceAccount: 'native', address: '127.1.3.1', appPort: 8080 };
const MY_ID = `spiffe://cluster.local/ns/${ME.namespace}/sa/${ME.serviceAccount}`;
// Who may call it. No ztunnel stands in front of this service to enforce policy for it, so it checks itself.
const ALLOWED_CALLERS = ['spiffe://cluster.local/ns/default/sa/sleep'];
// echo, on node-b: that node's ztunnel takes HBONE for echo on echo's own address, port 15008.
const ECHO = { address: '127.1.2.1', port: 8080, identity: 'spiffe://cluster.local/ns/default/sa/echo' };

const log = (line: string): void => console.log(`native: ${line}`);

// 1. Where the mesh is: `ambientctl up` writes .ambient/run.json with ambientd's address, root certificate and
//    state directory.
const run = JSON.parse(await readFile('.ambient/run.json', 'utf8')) as { ambientd: { grpc: string; rootCert: string; stateDir: string } };
const rootPem = await readFile(run.ambientd.rootCert, 'utf8');

// 2. A workload token for default/native. In Kubernetes this is the pod's service-account token; here it is signed
//    with the mesh's key, as `npx ambientctl create token --namespace default --service-account native` prints it.
const token = await mintToken({ stateDir: run.ambientd.stateDir, namespace: ME.namespace, serviceAccount: ME.serviceAccount });

// 3. Its own SVID from ambientd's CA. `impersonate: false`: only node proxies may name the identity they ask for,
//    so the CA issues a workload token the identity the token itself names. (A long-running service renews it
//    before it expires, 24 h by default: SecretManager in @ambient/spiffe does that.)
const ca = new CaClient({ address: run.ambientd.grpc, rootPem, token, impersonate: false, trustAnchors: rootPem });
const svid = await ca.fetchSvid(MY_ID);
ca.close();
const tls = tlsMaterialFromSvid(svid);
log(`certificate for ${svid.identity}, valid until ${svid.notAfter.toISOString()}`);

// 4. The application: a plain HTTP server that only this process reaches (127.0.0.1, a free port). It answers
//    with the caller's SPIFFE ID, which the HBONE handler below records per connection.
const callerOf = new Map<number, string>(); // local port of a tunnel's connection to the app → caller's SPIFFE ID
const app = http.createServer((req, res) => {
  res.end(`hello from default/native: you are ${callerOf.get(req.socket.remotePort ?? 0) ?? 'unknown'}\n`);
});
app.listen(0, '127.0.0.1');
await once(app, 'listening');
const appPort = (app.address() as AddressInfo).port;

// 5. HBONE on the service's mesh address. The TLS handshake has already proven the caller's identity against the
//    mesh's root; the handler decides, then answers with a connection to the app (or a refusal: denied → 401).
const server = new HboneServer({
  tls,
  handler: async ({ peerIdentity, authority }) => {
    if (!ALLOWED_CALLERS.includes(peerIdentity)) {
      log(`refused ${peerIdentity}: not an allowed caller`);
      return { kind: 'denied', reason: `${peerIdentity} may not call ${MY_ID}` };
    }
    if (authority.port !== ME.appPort) return { kind: 'unreachable', reason: `native serves port ${ME.appPort} only` };
    log(`tunnel from ${peerIdentity} to ${authority.host}:${authority.port}`);
    const socket = net.connect({ host: '127.0.0.1', port: appPort, allowHalfOpen: true });
    await once(socket, 'connect');
    const localPort = socket.localPort ?? 0;
    callerOf.set(localPort, peerIdentity);
    socket.once('close', () => callerOf.delete(localPort));
    return socket;
  },
});
await server.listen(15008, ME.address);
log(`serving HBONE on ${ME.address}:15008 as ${MY_ID}`);

// 6. Calling a meshed workload: a tunnel to echo's ztunnel, which must prove echo's identity in the handshake.
//    `sourceIp` is this service's own address, so echo's ztunnel names default/native as the source workload; it
//    enforces echo's policy on MY_ID. Plain HTTP goes inside the tunnel.
//    A refusal is an HboneError: code HBONE_ERR_DENIED (status 401) when echo's policy does not allow native.
const client = new HboneClient({ tls });
try {
  const tunnel = await client.connect({
    nextHop: { host: ECHO.address, port: 15008 },
    authority: `${ECHO.address}:${ECHO.port}`,
    expectedIdentities: [ECHO.identity],
    sourceIp: ME.address,
  });
  log(`echo answered: ${(await httpGet(tunnel, '/')).trim()}`);
} catch (err) {
  log(`calling echo failed: ${(err as Error).message}`);
}

/** One GET over an open stream (the tunnel), the body as text. */
async function httpGet(stream: Duplex, path: string): Promise<string> {
  const req = http.get({ host: ECHO.address, port: ECHO.port, path, createConnection: () => stream });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return body;
}

// Ctrl-C: let open tunnels finish (up to 5 s), then stop.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`stopping (${signal})`);
    client.close();
    void server.drain(5_000).then(() => app.close(() => log('stopped')));
  });
}
log('ready; Ctrl-C stops it');
