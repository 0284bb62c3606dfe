// The config as the analyzers see it: workloads (WorkloadEntries and ServiceEntry endpoints) with their labels, node
// and location; namespaces that exist or are enrolled; ServiceEntries; policies as ztunnel would hold them.
import { DATAPLANE_MODE_LABEL, NODE_LABEL, type ConfigObject, type ServiceEntryObject } from '@ambient/mesh-config';
import { fromXdsAuthorization } from '@ambient/l4-authz/xds';
import type { Policy } from '@ambient/l4-authz';
import type { Translation } from '@ambient/l4-authz/yaml';

export interface Located {
  /** 'Kind namespace/name' of the object that defines it. */
  readonly origin: string;
  readonly file: string;
  readonly line: number;
}

export interface WorkloadView extends Located {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Labels policies select on (a ServiceEntry endpoint takes its ServiceEntry's, as istiod does). */
  readonly policyLabels: Readonly<Record<string, string>>;
  /** The workload's own labels (node, dataplane-mode opt-out). */
  readonly labels: Readonly<Record<string, string>>;
  readonly node: string | undefined;
  /** 'WorkloadEntry' or 'ServiceEntry endpoint 127.0.0.1'. */
  readonly what: string;
}

export interface PolicyView extends Located {
  readonly kind: 'AuthorizationPolicy' | 'PeerAuthentication';
  readonly namespace: string;
  /** matchLabels when the object has a selector. */
  readonly selector: Readonly<Record<string, string>> | undefined;
  /** The policy ztunnel would hold (AuthorizationPolicies only; undefined when ztunnel receives none). */
  readonly policy?: Policy;
}

export interface MeshView {
  readonly rootNamespace: string;
  readonly workloads: readonly WorkloadView[];
  readonly serviceEntries: readonly ServiceEntryObject[];
  /** Declared by a Namespace object, or holding at least one workload. */
  readonly namespaces: ReadonlySet<string>;
  /** Namespaces labelled istio.io/dataplane-mode=ambient. */
  readonly ambientNamespaces: ReadonlySet<string>;
  readonly policies: readonly PolicyView[];
}

export function buildMeshView(objects: readonly ConfigObject[], translation: Translation): MeshView {
  const workloads: WorkloadView[] = [];
  const serviceEntries: ServiceEntryObject[] = [];
  const declared = new Set<string>();
  const ambient = new Set<string>();
  for (const o of objects) {
    const { envelope, source } = o;
    const at = { origin: envelope.key, file: source.file, line: source.line };
    if (o.kind === 'Namespace') {
      declared.add(envelope.name);
      if (envelope.labels[DATAPLANE_MODE_LABEL] === 'ambient') ambient.add(envelope.name);
    } else if (o.kind === 'WorkloadEntry') {
      const { labels, serviceAccount } = o.spec;
      workloads.push({ ...at, namespace: envelope.namespace, serviceAccount, policyLabels: labels, labels, node: labels[NODE_LABEL], what: 'WorkloadEntry' });
    } else if (o.kind === 'ServiceEntry') {
      serviceEntries.push(o);
      for (const e of o.endpoints) {
        // An endpoint named by DNS is a host outside the mesh, resolved by the caller's ztunnel: no node, no capture.
        if ('hostname' in e.address) continue;
        workloads.push({
          ...at, line: e.addressLine, namespace: envelope.namespace, serviceAccount: e.serviceAccount, policyLabels: envelope.labels,
          labels: e.labels, node: e.labels[NODE_LABEL], what: `ServiceEntry endpoint ${e.address.text}`,
        });
      }
    }
  }
  return {
    rootNamespace: translation.rootNamespace,
    workloads,
    serviceEntries,
    namespaces: new Set([...declared, ...workloads.map((w) => w.namespace)]),
    ambientNamespaces: ambient,
    policies: policyViews(translation),
  };
}

function policyViews(t: Translation): PolicyView[] {
  const out: PolicyView[] = [];
  for (const p of t.policies) {
    if (p.source?.kind !== 'AuthorizationPolicy') continue;
    const { file, line, namespace, name } = p.source;
    out.push({ kind: 'AuthorizationPolicy', origin: `AuthorizationPolicy ${namespace}/${name}`, file, line, namespace, selector: p.selector, policy: fromXdsAuthorization(p.authorization) });
  }
  for (const pa of t.peerAuthentications) {
    const { file, line, namespace, name } = pa.header;
    out.push({ kind: 'PeerAuthentication', origin: `PeerAuthentication ${namespace}/${name}`, file, line, namespace, selector: pa.spec.selector });
  }
  return out;
}

/** Kubernetes label selection: every selector label present with the same value (an empty selector selects all). */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}
