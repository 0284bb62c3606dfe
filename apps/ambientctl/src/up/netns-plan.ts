// `up --netns` planning, pure: the topology @ambient/netns builds for an example (one namespace per node and per
// workload, the control plane as a host on the wire) and the example's config rewritten for it. Loopback addresses
// mean nothing inside a namespace, so workloads take their namespace's address and a 127.x.y.z VIP becomes
// 10.x.y.z (outside the topology's 10.<node>.0.0/16 and 10.255.0.0/24 ranges for up to 94 nodes).
import { parseAllDocuments } from 'yaml';
import type { UpPlan } from './plan.js';

/** Namespace names start with this family (and the supervisor's pid), so leftovers of a killed run can be found. */
export const NETNS_FAMILY = 'ambup';
export const CONTROL_PLANE_HOST = 'cp';

/** The topology name of a workload: namespace and name, unique across the mesh. */
export function topologyName(w: { readonly namespace: string; readonly name: string }): string {
  return `${w.namespace}-${w.name}`;
}

export function netnsTopologySpec(plan: UpPlan): { nodes: { name: string; workloads: string[] }[]; hosts: string[] } {
  return {
    nodes: plan.ztunnels.map((z) => ({ name: z.node, workloads: plan.workloads.filter((w) => w.node === z.node).map(topologyName) })),
    hosts: [CONTROL_PLANE_HOST],
  };
}

/** A loopback VIP moved to 10/8; any other VIP is kept. */
export function netnsVip(ip: string): string {
  return ip.startsWith('127.') ? `10.${ip.slice(4)}` : ip;
}

/**
 * One config file with WorkloadEntry addresses from `addresses` ('ns/name' → IP) and ServiceEntry VIPs through
 * netnsVip. Everything else, comments included, stays as written; mesh-config validates the result again.
 */
export function rewriteForNetns(text: string, addresses: ReadonlyMap<string, string>): string {
  return parseAllDocuments(text)
    .map((doc) => {
      const kind = doc.get('kind');
      const ref = `${String(doc.getIn(['metadata', 'namespace']) ?? 'default')}/${String(doc.getIn(['metadata', 'name']) ?? '')}`;
      const address = addresses.get(ref);
      if (kind === 'WorkloadEntry' && address !== undefined) doc.setIn(['spec', 'address'], address);
      const vips = doc.getIn(['spec', 'addresses']);
      if (kind === 'ServiceEntry' && vips !== undefined) {
        const list = (vips as { toJSON(): unknown }).toJSON();
        if (Array.isArray(list)) doc.setIn(['spec', 'addresses'], doc.createNode(list.map((v) => (typeof v === 'string' ? netnsVip(v) : v))));
      }
      // A document after the first prints its own '---'.
      return doc.toString({ lineWidth: 0 });
    })
    .join('');
}

/** /etc/hosts for a workload namespace: the services by name at their (moved) VIPs. */
export function hostsFile(plan: UpPlan): string {
  const lines = ['127.0.0.1 localhost'];
  for (const s of plan.services) {
    const vip = s.vips[0];
    if (vip !== undefined && s.hostname !== '') lines.push(`${netnsVip(vip)} ${s.hostname}`);
  }
  return `${lines.join('\n')}\n`;
}
