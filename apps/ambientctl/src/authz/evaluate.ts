// One connection decided by @ambient/l4-authz — the evaluator ztunnel itself uses — against policies from YAML files
// (translated as istiod would) or from a running ztunnel's /config_dump. Pure: files and the dump come in as values.
import { explainWorkload, policiesFromJson, PolicyStore, type Policy, type WorkloadExplanation } from '@ambient/l4-authz';
import { fromXdsAuthorizations } from '@ambient/l4-authz/xds';
import { formatNotice, translatePolicyFiles, workloadPolicyKeys, type PolicyFile } from '@ambient/l4-authz/yaml';
import { AmbientctlError, usageError } from '../errors.js';
import type { EvalRequest } from './request.js';

export interface AuthzReport {
  readonly request: EvalRequest;
  readonly explanation: WorkloadExplanation;
  readonly destination: {
    readonly namespace: string;
    /** 'namespace/name' of the workload at --dst-ip, when a live ztunnel knows it. */
    readonly workload?: string;
    /** The WORKLOAD_SELECTOR keys the destination lists (Workload.authorization_policies). */
    readonly selectedBy: readonly string[];
  };
  /** Policy key → where it was defined ('file:line'), for policies that came from files. */
  readonly sources: Readonly<Record<string, string>>;
  /** What ztunnel enforces differently from the YAML (HTTP attributes, AUDIT, …): 'file:line: Kind ns/name: …'. */
  readonly notices: readonly string[];
}

/** Evaluates against AuthorizationPolicy and PeerAuthentication YAML; invalid YAML is bad input (exit 2). */
export function evaluateFiles(files: readonly PolicyFile[], request: EvalRequest): AuthzReport {
  const t = translatePolicyFiles(files, { rootNamespace: request.rootNamespace });
  const [first, ...more] = t.errors;
  if (first !== undefined) throw usageError(`${first.message}${more.length === 0 ? '' : ` (and ${more.length} more problem${more.length === 1 ? '' : 's'})`}`);
  const { accepted, rejected } = fromXdsAuthorizations(t.policies.map((p) => p.authorization));
  // translatePolicyFiles only emits resources fromXdsAuthorizations accepts; a rejection is a bug worth naming.
  if (rejected[0] !== undefined) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `internal: translated policy rejected: ${rejected[0].reason}`);
  const namespace = request.dstNamespace ?? '';
  const selectedBy = workloadPolicyKeys(t, { namespace, labels: request.dstLabels });
  const sources: Record<string, string> = {};
  for (const p of t.policies) {
    if (p.source !== undefined) sources[`${p.authorization.namespace}/${p.authorization.name}`] = `${p.source.file}:${p.source.line}`;
  }
  return {
    request,
    explanation: decide(accepted, { namespace, authorizationPolicies: selectedBy }, request),
    destination: { namespace, selectedBy },
    sources,
    notices: t.notices.map(formatNotice),
  };
}

interface DumpWorkload {
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly addresses?: unknown;
  readonly authorizationPolicies?: unknown;
}

/** Evaluates against what a running ztunnel holds: its policies and the workload it knows at --dst-ip. */
export function evaluateDump(dump: unknown, request: EvalRequest, source: string): AuthzReport {
  const d = (typeof dump === 'object' && dump !== null ? dump : {}) as { policies?: unknown; workloads?: unknown };
  let policies: Policy[];
  try {
    policies = policiesFromJson(d.policies);
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the config dump from ${source} has unusable policies: ${(err as Error).message}`);
  }
  const workloads = (Array.isArray(d.workloads) ? d.workloads : []) as DumpWorkload[];
  const dst = request.connection.dstIp;
  const workload = workloads.find((w) => Array.isArray(w.addresses) && w.addresses.includes(dst));
  if (workload === undefined) {
    if (request.dstNamespace === undefined) throw usageError(`${source} knows no workload at --dst-ip ${dst}; pass --dst-namespace to evaluate its namespace's policies anyway`);
    return live(policies, request, { namespace: request.dstNamespace, selectedBy: [] });
  }
  const namespace = String(workload.namespace);
  if (request.dstNamespace !== undefined && request.dstNamespace !== namespace) {
    throw usageError(`--dst-namespace ${request.dstNamespace} does not match the workload at ${dst}, which is in namespace ${namespace}`);
  }
  const selectedBy = Array.isArray(workload.authorizationPolicies) ? workload.authorizationPolicies.map(String) : [];
  return live(policies, request, { namespace, workload: `${namespace}/${String(workload.name)}`, selectedBy });
}

function live(policies: readonly Policy[], request: EvalRequest, destination: AuthzReport['destination']): AuthzReport {
  const explanation = decide(policies, { namespace: destination.namespace, authorizationPolicies: destination.selectedBy }, request);
  return { request, explanation, destination, sources: {}, notices: [] };
}

function decide(policies: readonly Policy[], workload: { namespace: string; authorizationPolicies: readonly string[] }, request: EvalRequest): WorkloadExplanation {
  const store = new PolicyStore();
  store.replaceAll(policies);
  return explainWorkload(store, workload, request.connection);
}
