// A delta ADS client we did not write (Python grpcio, protoc-generated messages) syncs from our server.
import { create } from '@bufbuild/protobuf';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, AddressSchema, TunnelProtocol } from '@ambient/api/workload';
import { eventually, startServer } from './harness.js';
import { workload } from './fixtures.js';

const PROTO_DIR = join(import.meta.dirname, '../../api/proto');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

interface PyResponse {
  nonce: string;
  workloads: Record<string, { version: string; ip: string }>;
  removed: string[];
  nacked: boolean;
}

it('serves a Python grpcio client: sync, ACK, a change, and a NACK with its reason', async () => {
  const tokens: string[] = [];
  const f = await startServer({ authenticate: (md) => (tokens.push(String(md.get('authorization')[0])), { identity: 'py' }) });
  cleanups.push(() => f.stop());
  f.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', 1)], ['w2', workload('w2', 2)]]));

  const py = spawn('/usr/bin/python3', [join(import.meta.dirname, 'ads_client.py'), PROTO_DIR, f.address, f.certPath, '3'], { stdio: ['pipe', 'pipe', 'pipe'] });
  cleanups.push(() => py.kill());
  let stderr = '';
  py.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: PyResponse[] = [];
  createInterface({ input: py.stdout }).on('line', (l) => lines.push(JSON.parse(l) as PyResponse));
  const exited = new Promise<number | null>((resolve) => py.on('exit', resolve));

  // Python starting and importing grpcio can take many seconds on a loaded 2-core CI machine.
  await eventually(() => expect(lines).toHaveLength(1), 40_000);
  expect(lines[0]?.workloads).toEqual({
    w1: { version: f.xds.versionOf(ADDRESS_TYPE_URL, 'w1'), ip: '10.0.0.1' },
    w2: { version: f.xds.versionOf(ADDRESS_TYPE_URL, 'w2'), ip: '10.0.0.2' },
  });
  await eventually(() => expect(f.xds.syncStatus()).toEqual([{
    id: 'ztunnel~10.0.0.7~py.istio-system~istio-system.svc.cluster.local-1',
    node: 'ztunnel~10.0.0.7~py.istio-system~istio-system.svc.cluster.local',
    types: { [ADDRESS_TYPE_URL]: { status: 'SYNCED', nonce: lines[0]?.nonce } },
  }]));

  f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 11));
  f.xds.remove(ADDRESS_TYPE_URL, 'w2');
  await eventually(() => expect(lines).toHaveLength(2));
  expect(lines[1]).toMatchObject({ workloads: { w1: { ip: '10.0.0.11' } }, removed: ['w2'], nacked: false });

  const legacy = create(AddressSchema, { type: { case: 'workload', value: { uid: 'old', addresses: [Uint8Array.of(10, 0, 0, 3)], tunnelProtocol: TunnelProtocol.LEGACY_ISTIO_MTLS } } });
  f.xds.upsert(ADDRESS_TYPE_URL, 'old', legacy);
  await eventually(() => expect(lines).toHaveLength(3));
  await eventually(() => expect(f.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]).toEqual({
    status: 'NACKED', nonce: lines[2]?.nonce, error: 'old: unsupported tunnel protocol LEGACY_ISTIO_MTLS',
  }));
  py.stdin.end();
  expect(await exited, stderr).toBe(0);
  expect(tokens).toEqual(['Bearer py-token']);
}, 90_000);
