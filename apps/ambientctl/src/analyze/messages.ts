// What `ambientctl analyze` reports: messages with a stable code and a level, as istioctl analyze's IST0xxx
// messages. Validation codes are mesh-config's own (what ambientd reports); the whole-config analyzers add ANALYZE_*.
import { PROBLEM_CODES, type ProblemCode } from '@ambient/mesh-config';

export const LEVELS = ['Info', 'Warning', 'Error'] as const;
export type Level = (typeof LEVELS)[number];

/** Codes of the analyzers that need the whole config, each with its level and what to check. Stable. */
export const ANALYZER_CODES = {
  ANALYZE_POLICY_NO_IMPACT: { level: 'Warning', text: 'the policy applies to no workload: its selector matches none, or its namespace has none' },
  ANALYZE_NAMESPACE_NOT_FOUND: { level: 'Warning', text: 'a policy names a source namespace that no Namespace object declares and no workload runs in' },
  ANALYZE_UNKNOWN_SERVICE_ACCOUNT: { level: 'Info', text: 'a policy names a service account no workload of that namespace runs as' },
  ANALYZE_SERVICE_NO_WORKLOAD: { level: 'Warning', text: "a ServiceEntry's workloadSelector selects no WorkloadEntry: the service has no endpoints" },
  ANALYZE_WORKLOAD_NO_NODE: { level: 'Warning', text: 'a workload has no ambient.dev/node label and does not terminate HBONE itself: no ztunnel serves it' },
  ANALYZE_NOT_IN_MESH: { level: 'Warning', text: "a workload's namespace is not labelled istio.io/dataplane-mode=ambient: its traffic bypasses ztunnel" },
  ANALYZE_POLICY_NOT_ENFORCED: { level: 'Warning', text: 'ztunnel enforces part of a policy differently or not at all (HTTP attributes, targetRefs, CUSTOM/AUDIT)' },
} as const satisfies Record<string, { level: Level; text: string }>;

export type AnalyzerCode = keyof typeof ANALYZER_CODES;
export type MessageCode = ProblemCode | AnalyzerCode;

export interface AnalysisMessage {
  readonly code: MessageCode;
  readonly level: Level;
  /** 'Kind namespace/name' (istioctl's origin); absent for a file-level problem such as YAML syntax. */
  readonly origin?: string;
  readonly file: string;
  readonly line?: number;
  /** One sentence; a field path first when one is known ('spec.address: …'). */
  readonly message: string;
}

/** Validation problems are errors, except a missing waypoint: the traffic is still served, without it. */
export function problemLevel(code: ProblemCode): Level {
  return code === 'CONFIG_ERR_WAYPOINT_MISSING' ? 'Warning' : 'Error';
}

/** Every code analyze can report, with its level and what to check (for --list-codes and the docs). */
export function allCodes(): { code: MessageCode; level: Level; text: string }[] {
  const problems = (Object.keys(PROBLEM_CODES) as ProblemCode[]).map((code) => ({ code, level: problemLevel(code), text: PROBLEM_CODES[code] }));
  const analyzers = (Object.keys(ANALYZER_CODES) as AnalyzerCode[]).map((code) => ({ code, level: ANALYZER_CODES[code].level as Level, text: ANALYZER_CODES[code].text }));
  return [...problems, ...analyzers];
}

export function atLeast(level: Level, threshold: Level): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(threshold);
}

/** By file, line, then code, so output is stable whatever order the analyzers ran in. */
export function byLocation(a: AnalysisMessage, b: AnalysisMessage): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if ((a.line ?? 0) !== (b.line ?? 0)) return (a.line ?? 0) - (b.line ?? 0);
  return a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
