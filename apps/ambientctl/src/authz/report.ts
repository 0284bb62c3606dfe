// How `authz eval` prints a decision: `ALLOW`/`DENY` on the first line, then the deciding policy, the reason and
// one row per applicable policy saying why it matched or not; -o json|yaml carries the same data for scripts.
import type { Identity, PolicyExplanation, Scope } from '@ambient/l4-authz';
import { formatTable } from '../output/table.js';
import type { AuthzReport } from './evaluate.js';

/** The Scope names istioctl's policy table prints. */
const SCOPE_NAMES: Readonly<Record<Scope, string>> = { GLOBAL: 'Global', NAMESPACE: 'Namespace', WORKLOAD_SELECTOR: 'WorkloadSelector' };

export function verdict(report: AuthzReport): 'ALLOW' | 'DENY' {
  return report.explanation.decision.allowed ? 'ALLOW' : 'DENY';
}

/** The stable JSON shape (also the YAML one). */
export function reportData(report: AuthzReport): Record<string, unknown> {
  const { decision, policies, missingPolicies } = report.explanation;
  const { connection, dstLabels } = report.request;
  return {
    decision: verdict(report),
    policy: decision.decidedBy?.policy ?? null,
    rule: decision.decidedBy?.rule ?? null,
    source: decision.decidedBy === undefined ? null : (report.sources[decision.decidedBy.policy] ?? null),
    reason: decision.reason,
    connection: {
      srcIp: connection.srcIp,
      srcIdentity: connection.srcIdentity === undefined ? null : spiffe(connection.srcIdentity),
      dstIp: connection.dstIp,
      dstPort: connection.dstPort,
    },
    destination: {
      namespace: report.destination.namespace,
      ...(report.destination.workload === undefined ? { labels: dstLabels } : { workload: report.destination.workload }),
      selectedBy: report.destination.selectedBy,
    },
    policies: policies.map((p) => ({ ...p, scope: SCOPE_NAMES[p.scope], source: report.sources[p.policy] ?? null })),
    dryRun: decision.dryRun,
    missingPolicies,
    notices: report.notices,
  };
}

/** The text form; `paint` colours the verdict (identity when stdout is not a TTY). */
export function reportText(report: AuthzReport, paint: (verdict: 'ALLOW' | 'DENY') => string = (v) => v): string {
  const { decision, policies, missingPolicies } = report.explanation;
  const { connection } = report.request;
  const by = decision.decidedBy;
  const where = by === undefined ? undefined : report.sources[by.policy];
  const lines = [
    paint(verdict(report)),
    `policy: ${by === undefined ? 'none (no policy matched; the default decided)' : `${by.policy} rule ${by.rule}${where === undefined ? '' : ` (${where})`}`}`,
    `reason: ${decision.reason}`,
    `connection: ${connection.srcIp} (${connection.srcIdentity === undefined ? 'no identity: plaintext' : spiffe(connection.srcIdentity)}) -> ${connection.dstIp}:${connection.dstPort}`,
    `destination: ${destinationText(report)}`,
    '',
  ];
  if (policies.length === 0) lines.push('no policies apply to this destination');
  else lines.push(formatTable(['POLICY', 'ACTION', 'SCOPE', 'RESULT'], policies.map(row)).trimEnd());
  for (const d of decision.dryRun) lines.push(`dry-run: ${d.policy} rule ${d.rule} matched; enforced, it would ${d.action === 'DENY' ? 'deny' : 'allow'}`);
  for (const key of missingPolicies) lines.push(`missing: the destination lists ${key}, which ztunnel does not hold (skipped)`);
  for (const notice of report.notices) lines.push(`notice: ${notice}`);
  return `${lines.join('\n')}\n`;
}

function row(p: PolicyExplanation): string[] {
  return [p.policy, p.dryRun ? `${p.action} (dry-run)` : p.action, SCOPE_NAMES[p.scope], p.detail];
}

function destinationText(report: AuthzReport): string {
  const { namespace, workload, selectedBy } = report.destination;
  const labels = Object.entries(report.request.dstLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const who = workload !== undefined ? `workload ${workload}` : `namespace ${namespace}, labels ${labels === '' ? '(none)' : labels}`;
  return `${who}; selected by ${selectedBy.length === 0 ? 'no workload policy' : selectedBy.join(', ')}`;
}

function spiffe(id: Identity): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}
