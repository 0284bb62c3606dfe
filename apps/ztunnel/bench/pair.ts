// The proxies under test, as their own process: two workload proxies (sleep 127.0.12.1 → echo 127.0.22.1) with
// certificates from a test CA over one MeshState. Prints "ready" on stdout once both listen; exits on stdin EOF.
import { createLogger } from '@ambient/core';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import { createTestCa } from '@ambient/spiffe/testing';
import { createMetricsEndpoint } from '@ambient/telemetry';
import { readZtunnelConfig } from '../src/config.js';
import { InboundTracker } from '../src/inbound-tracker.js';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { PAIR } from './pair-addresses.js';


const ca = createTestCa();
const state = meshOf(workload('sleep', PAIR.sleep, { serviceAccount: 'sleep' }), workload('echo', PAIR.echo, { serviceAccount: 'echo' }));
const config = readZtunnelConfig({
  '--node': 'node-a', '--token-file': 'unused', '--root-cert': 'unused',
  '--hbone-port': String(PAIR.hbone), '--socks5-port': String(PAIR.socks), '--inbound-plaintext-port': String(PAIR.plaintext),
});
const log = createLogger({ name: 'ztunnel', level: 'warn' });
const illegalPorts = [PAIR.hbone, PAIR.socks, PAIR.plaintext];
const ctx = { config, state, metrics: createMetricsEndpoint().tcp, log, network: '', illegalPorts, inbound: new InboundTracker(state, illegalPorts, log) };
const find = (uid: string) => {
  const w = state.findWorkloadByUid(uid);
  if (!w) throw new Error(`no ${uid}`);
  return w;
};
const sleep = await WorkloadProxy.start(ctx, find('Kubernetes//Pod/default/sleep'), PAIR.sleep, ca.issueSvid('spiffe://cluster.local/ns/default/sa/sleep'));
const echo = await WorkloadProxy.start(ctx, find('Kubernetes//Pod/default/echo'), PAIR.echo, ca.issueSvid('spiffe://cluster.local/ns/default/sa/echo'));
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void Promise.all([sleep.close(0), echo.close(0)]).then(() => process.exit(0)));
