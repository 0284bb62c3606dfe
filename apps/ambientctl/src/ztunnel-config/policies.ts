// `ztunnel-config policies`: NAMESPACE, POLICY NAME, ACTION, SCOPE as istioctl prints them (Allow, WorkloadSelector).
import { section, str, type ConfigDump, type Entry } from './dump.js';
import type { Table } from './table.js';
import { compare } from './workloads.js';

export const POLICY_HEADERS = ['NAMESPACE', 'POLICY NAME', 'ACTION', 'SCOPE'] as const;

export function selectPolicies(dump: ConfigDump, namespace: string | undefined): Entry[] {
  return section(dump, 'policies')
    .filter((p) => !namespace || str(p, 'namespace').toLowerCase() === namespace.toLowerCase())
    .sort((a, b) => compare(str(a, 'namespace'), str(b, 'namespace')) || compare(str(a, 'name'), str(b, 'name')));
}

export function policyTable(dump: ConfigDump, namespace: string | undefined): Table {
  return {
    headers: POLICY_HEADERS,
    rows: selectPolicies(dump, namespace).map((p) => [str(p, 'namespace'), str(p, 'name'), pascal(str(p, 'action')), pascal(str(p, 'scope'))]),
  };
}

/** Our dump spells enums as the proto does (WORKLOAD_SELECTOR); Istio's ztunnel as Rust does (WorkloadSelector). */
export function pascal(value: string): string {
  if (/[a-z]/.test(value)) return value;
  return value
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
