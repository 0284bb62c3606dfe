// The analyzers that need the whole config (Istio's analyzers in spirit): each looks at the mesh view and returns
// messages about objects that are valid on their own but do not do what their author meant.
import type { Match, Policy } from '@ambient/l4-authz';
import { TUNNEL_LABEL } from '@ambient/mesh-config';
import { ANALYZER_CODES, type AnalysisMessage, type AnalyzerCode } from './messages.js';
import { labelText, selects, type Located, type MeshView } from './mesh-view.js';

type Analyzer = (view: MeshView) => AnalysisMessage[];

function message(code: AnalyzerCode, at: Located, text: string): AnalysisMessage {
  return { code, level: ANALYZER_CODES[code].level, origin: at.origin, file: at.file, line: at.line, message: text };
}

/** A policy that selects nothing, or a namespace-wide one in a namespace with no workloads (often a typo). */
const policyNoImpact: Analyzer = (view) =>
  view.policies.flatMap((p) => {
    const global = p.namespace === view.rootNamespace;
    const candidates = view.workloads.filter((w) => global || w.namespace === p.namespace);
    if (p.selector !== undefined && Object.keys(p.selector).length > 0) {
      if (candidates.some((w) => selects(p.selector ?? {}, w.policyLabels))) return [];
      const where = global ? 'any namespace' : `namespace ${p.namespace}`;
      return [message('ANALYZE_POLICY_NO_IMPACT', p, `the policy has no impact: its selector ${labelText(p.selector)} matches no workload in ${where}`)];
    }
    if (global || candidates.length > 0) return [];
    return [message('ANALYZE_POLICY_NO_IMPACT', p, `the policy has no impact: namespace ${p.namespace} has no workloads`)];
  });

/** Source namespaces and principals' namespaces that name no namespace of this config. */
const namespaceNotFound: Analyzer = (view) =>
  view.policies.flatMap((p) =>
    [...referencedNamespaces(p.policy)]
      .filter((ns) => !view.namespaces.has(ns))
      .map((ns) => message('ANALYZE_NAMESPACE_NOT_FOUND', p, `source namespace "${ns}" does not exist: no Namespace object declares it and no workload runs in it`)),
  );

/** Exact service accounts (principals or serviceAccounts) of an existing namespace that no workload runs as. */
const unknownServiceAccount: Analyzer = (view) =>
  view.policies.flatMap((p) =>
    [...referencedAccounts(p.policy)]
      .filter(([ns, sa]) => view.namespaces.has(ns) && !view.workloads.some((w) => w.namespace === ns && w.serviceAccount === sa))
      .map(([ns, sa]) => message('ANALYZE_UNKNOWN_SERVICE_ACCOUNT', p, `no workload runs as service account ${ns}/${sa}, so rules naming it match no mesh caller`)),
  );

const serviceNoWorkload: Analyzer = (view) =>
  view.serviceEntries.flatMap((se) => {
    const selector = se.selector;
    if (selector === undefined) return [];
    const ns = se.envelope.namespace;
    if (view.workloads.some((w) => w.what === 'WorkloadEntry' && w.namespace === ns && selects(selector, w.labels))) return [];
    const at = { origin: se.envelope.key, file: se.source.file, line: se.source.line };
    return [message('ANALYZE_SERVICE_NO_WORKLOAD', at, `workloadSelector ${labelText(selector)} selects no WorkloadEntry in namespace ${ns}: the service has no endpoints`)];
  });

/**
 * A workload no ztunnel serves, unless it terminates HBONE itself (a Node service with @ambient/hbone, say), which
 * Istio's label networking.istio.io/tunnel=http declares.
 */
const workloadNoNode: Analyzer = (view) =>
  view.workloads
    .filter((w) => (w.node === undefined || w.node === '') && w.labels[TUNNEL_LABEL] !== 'http')
    .map((w) =>
      message(
        'ANALYZE_WORKLOAD_NO_NODE',
        w,
        `${w.what} has no ambient.dev/node label: no ztunnel serves it, so connections to it fail (label a workload that terminates HBONE itself ${TUNNEL_LABEL}: http)`,
      ),
    );

const notInMesh: Analyzer = (view) =>
  view.workloads
    .filter((w) => !view.ambientNamespaces.has(w.namespace) && w.labels['istio.io/dataplane-mode'] !== 'none')
    .map((w) => message('ANALYZE_NOT_IN_MESH', w, `namespace ${w.namespace} is not labelled istio.io/dataplane-mode=ambient, so this ${w.what}'s traffic bypasses ztunnel (no mTLS, no L4 policy)`));

export const ANALYZERS: readonly Analyzer[] = [policyNoImpact, namespaceNotFound, unknownServiceAccount, serviceNoWorkload, workloadNoNode, notInMesh];

function positiveMatches(policy: Policy | undefined): Match[] {
  return policy === undefined ? [] : policy.rules.flat(2);
}

function referencedNamespaces(policy: Policy | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of positiveMatches(policy)) {
    for (const s of m.namespaces) if (s.type === 'exact') out.add(s.value);
    for (const s of m.serviceAccounts) out.add(s.namespace);
    for (const s of m.principals) {
      const ns = s.type === 'exact' || s.type === 'prefix' ? /^[^/]+\/ns\/([^/]+)\/sa\//.exec(s.value)?.[1] : undefined;
      if (ns !== undefined) out.add(ns);
    }
  }
  return out;
}

function referencedAccounts(policy: Policy | undefined): Set<[string, string]> {
  const seen = new Map<string, [string, string]>();
  for (const m of positiveMatches(policy)) {
    for (const s of m.serviceAccounts) seen.set(`${s.namespace}/${s.serviceAccount}`, [s.namespace, s.serviceAccount]);
    for (const s of m.principals) {
      const hit = s.type === 'exact' ? /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(s.value) : null;
      if (hit?.[1] !== undefined && hit[2] !== undefined) seen.set(`${hit[1]}/${hit[2]}`, [hit[1], hit[2]]);
    }
  }
  return new Set(seen.values());
}

