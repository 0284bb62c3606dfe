// The public shapes agreed with the ambientd app: files in, located problems and xDS resources out.
import type { Address } from '@ambient/api/workload';
import type { Authorization } from '@ambient/api/security';
import type { ProblemCode } from './problems.js';

export interface ConfigFile {
  readonly path: string;
  readonly text: string;
}

export interface ConfigProblem {
  /** Stable: one of PROBLEM_CODES. */
  readonly code: ProblemCode;
  readonly file: string;
  readonly line?: number;
  /** 'WorkloadEntry default/echo' */
  readonly object?: string;
  /** 'spec.address' */
  readonly field?: string;
  /** One sentence that names what is wrong. */
  readonly message: string;
}

export interface MeshConfigOptions {
  /** The <cluster> in workload uids and Workload.cluster_id; Istio's default is 'Kubernetes'. */
  readonly clusterId: string;
  /** Workload.trust_domain; default 'cluster.local'. */
  readonly trustDomain: string;
  /** Policies here without a selector are GLOBAL; default 'istio-system'. */
  readonly rootNamespace: string;
}

export interface TranslatedConfig {
  /** xDS resource name (reference §3.4) → istio.workload.Address (Workload or Service). */
  readonly addresses: ReadonlyMap<string, Address>;
  /** 'namespace/name' → istio.security.Authorization (via @ambient/l4-authz/yaml). */
  readonly authorizations: ReadonlyMap<string, Authorization>;
  /** Every rejected file or object of the latest update, located. */
  readonly problems: readonly ConfigProblem[];
  /** JSON-able view of what is served, for /debug/configz. */
  readonly configz: unknown;
}
