// `ambientctl analyze` and ServiceEntries with resolution DNS: their DNS-named endpoints are hosts outside the mesh,
// so the node and capture checks for workloads do not apply to them; IP endpoints are still checked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './support/run-cli.js';

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: default, labels: { istio.io/dataplane-mode: ambient } }\n---\n';
const SE = (endpoints: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external-api, namespace: default }
spec:
  hosts: [api.outside.test]
  ports: [{ number: 443, name: tls }]
  resolution: DNS
${endpoints}`;

describe('analyze a DNS ServiceEntry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-analyze-dns-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong with hosts resolved by DNS (implicit endpoints or DNS-named ones)', async () => {
    writeFileSync(join(dir, 'mesh.yaml'), NAMESPACE + SE('  endpoints: [{ address: eu.api.outside.test }]\n'));
    expect(await run(['analyze', '.'], {}, dir)).toEqual({ code: 0, err: '', out: '✔ No validation issues found when analyzing .\n' });
    writeFileSync(join(dir, 'mesh.yaml'), NAMESPACE + SE(''));
    expect((await run(['analyze', '.'], {}, dir)).out).toBe('✔ No validation issues found when analyzing .\n');
  });

  it('still warns about an IP endpoint of the same ServiceEntry that no ztunnel serves', async () => {
    writeFileSync(join(dir, 'mesh.yaml'), NAMESPACE + SE('  endpoints: [{ address: eu.api.outside.test }, { address: 127.0.73.1 }]\n'));
    const r = await run(['analyze', '.'], {}, dir);
    expect(r.out.split('\n')[0]).toMatch(/^Warning \[ANALYZE_WORKLOAD_NO_NODE\] .*ServiceEntry endpoint 127\.0\.73\.1 has no ambient\.dev\/node label/);
    expect(r.out).not.toContain('eu.api.outside.test');
  });
});
