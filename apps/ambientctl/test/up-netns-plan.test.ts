// `up --netns` planning without namespaces: the topology asked of @ambient/netns, the config rewritten to the
// namespaces' addresses (and still what mesh-config accepts), and the hosts file that names the services.
import { fileURLToPath } from 'node:url';
import { MeshConfig } from '@ambient/mesh-config';
import { describe, expect, it } from 'vitest';
import { readMeshFiles, loadExample } from '../src/up/load.js';
import { hostsFile, netnsTopologySpec, netnsVip, rewriteForNetns } from '../src/up/netns-plan.js';

const QUICKSTART = fileURLToPath(new URL('../../../examples/quickstart', import.meta.url));

describe('up --netns planning', () => {
  it('asks for one namespace per node and per workload, and the control plane as a host', async () => {
    expect(netnsTopologySpec(await loadExample(QUICKSTART))).toEqual({
      nodes: [
        { name: 'node-a', workloads: ['default-sleep', 'guest-curl'] },
        { name: 'node-b', workloads: ['default-echo'] },
      ],
      hosts: ['cp'],
    });
  });

  it('moves loopback VIPs to 10/8 and keeps others', () => {
    expect(netnsVip('127.96.0.10')).toBe('10.96.0.10');
    expect(netnsVip('240.0.0.1')).toBe('240.0.0.1');
  });

  it('rewrites workload addresses and VIPs, keeping comments and every other field, into a config mesh-config accepts', async () => {
    const files = await readMeshFiles(`${QUICKSTART}/mesh`);
    const addresses = new Map([
      ['default/sleep', '10.1.0.2'],
      ['guest/curl', '10.1.1.2'],
      ['default/echo', '10.2.0.2'],
    ]);
    const rewritten = files.map((f) => ({ path: f.path, text: rewriteForNetns(f.text, addresses) }));
    const workloads = rewritten.find((f) => f.path.endsWith('workloads.yaml'))?.text ?? '';
    expect(workloads).toContain('# Three workloads on two nodes.');
    expect(workloads.match(/address: .*/g)).toEqual(['address: 10.1.0.2', 'address: 10.1.1.2', 'address: 10.2.0.2']);
    expect(workloads.match(/^---$/gm)).toHaveLength(2);
    expect(rewritten.find((f) => f.path.endsWith('services.yaml'))?.text).toContain('addresses:\n    - 10.96.0.10\n');
    const translated = new MeshConfig().update(rewritten);
    expect(translated.problems).toEqual([]);
    // Three workloads and echo.default.mesh.
    expect(translated.addresses.size).toBe(4);
    // Untouched files come out as they went in.
    const policies = files.find((f) => f.path.endsWith('policies.yaml'));
    expect(rewriteForNetns(policies?.text ?? '', addresses)).toBe(policies?.text);
  });

  it('names each service at its moved VIP in the workloads\' hosts file', async () => {
    expect(hostsFile(await loadExample(QUICKSTART))).toBe('127.0.0.1 localhost\n10.96.0.10 echo.default.mesh\n');
  });
});
