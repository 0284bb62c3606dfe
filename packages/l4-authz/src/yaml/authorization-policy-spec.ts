// AuthorizationPolicy.spec read from YAML and checked as Istio's admission webhook and CRD schema would
// (istio/istio pkg/config/validation ValidateAuthorizationPolicy), into a typed form the converter trusts.
import type { FieldPath } from './documents.js';
import type { FieldReader } from './fields.js';
import { readSelector } from './objects.js';
import { checkCondition, checkIp, checkPathTemplate, checkPort, checkServiceAccount } from './values.js';

export const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
  'trustDomains', 'notTrustDomains',
] as const;
export const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

export type Source = Record<(typeof SOURCE_FIELDS)[number], string[]>;
export type Operation = Record<(typeof OPERATION_FIELDS)[number], string[]>;
export interface Condition {
  readonly key: string;
  readonly values: string[];
  readonly notValues: string[];
}
export interface ApRule {
  readonly from: Source[];
  readonly to: Operation[];
  readonly when: Condition[];
}
export type ApAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
export interface AuthorizationPolicySpec {
  /** matchLabels when `selector` is present (possibly empty), undefined otherwise. */
  readonly selector: Record<string, string> | undefined;
  readonly targeted: boolean;
  readonly action: ApAction;
  /** undefined when `rules` is absent or empty (Istio cannot tell the two apart). */
  readonly rules: ApRule[] | undefined;
}

const ACTIONS: readonly ApAction[] = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const TARGET_KINDS = [
  ['', 'Service'], ['core', 'Service'], ['networking.istio.io', 'ServiceEntry'],
  ['gateway.networking.k8s.io', 'Gateway'], ['gateway.networking.k8s.io', 'GatewayClass'],
];
const SPEC_FIELDS = ['selector', 'targetRef', 'targetRefs', 'action', 'provider', 'rules'];

export function readAuthorizationPolicySpec(value: unknown, r: FieldReader): AuthorizationPolicySpec {
  const spec = r.object(value, ['spec'], SPEC_FIELDS) ?? {};
  const selector = readSelector(spec['selector'], ['spec', 'selector'], r);
  const refs = [
    ...(spec['targetRef'] === undefined ? [] : [[spec['targetRef'], ['spec', 'targetRef']] as const]),
    ...r.list(spec['targetRefs'], ['spec', 'targetRefs']).map((ref, i) => [ref, ['spec', 'targetRefs', i]] as const),
  ];
  refs.forEach(([ref, path]) => checkTargetRef(ref, path, r));
  if (selector !== undefined && refs.length > 0) r.problem(['spec'], 'only one of targetRefs or selector can be set');
  const actionText = r.string(spec['action'], ['spec', 'action']) ?? 'ALLOW';
  const action = (ACTIONS as readonly string[]).includes(actionText) ? (actionText as ApAction) : undefined;
  if (action === undefined) r.problem(['spec', 'action'], `"${actionText}" is not one of ${ACTIONS.join(', ')}`);
  const provider = r.object(spec['provider'], ['spec', 'provider'], ['name']);
  const list = r.list(spec['rules'], ['spec', 'rules']);
  const rules = list.length === 0 ? undefined : list.map((rule, i) => readRule(rule, ['spec', 'rules', i], r));
  if (provider !== undefined && action !== 'CUSTOM') r.problem(['spec', 'provider'], `must not be set with action ${action ?? actionText}`);
  if (action === 'CUSTOM' && rules !== undefined && r.string(provider?.['name'], ['spec', 'provider', 'name']) === undefined) {
    r.problem(['spec', 'provider', 'name'], 'must not be empty with action CUSTOM');
  }
  if ((action === 'DENY' || action === 'CUSTOM') && rules === undefined) {
    r.problem(['spec', 'rules'], `${action} without rules never triggers; add an empty rule "{}" to match every connection`);
  }
  return { selector, targeted: refs.length > 0, action: action ?? 'ALLOW', rules };
}

function checkTargetRef(value: unknown, path: FieldPath, r: FieldReader): void {
  const ref = r.object(value, path, ['group', 'kind', 'name', 'namespace']);
  if (ref === undefined) return;
  const group = r.string(ref['group'], [...path, 'group']) ?? '';
  const kind = r.string(ref['kind'], [...path, 'kind']) ?? '';
  if ((r.string(ref['name'], [...path, 'name']) ?? '') === '') r.problem([...path, 'name'], 'must be set');
  if (r.string(ref['namespace'], [...path, 'namespace']) !== undefined) {
    r.problem([...path, 'namespace'], 'must not be set; cross namespace referencing is not supported');
  }
  if (!TARGET_KINDS.some(([g, k]) => g === group && k === kind)) {
    r.problem([...path, 'kind'], `"${group}/${kind}" cannot be targeted; use Service, ServiceEntry, Gateway or GatewayClass`);
  }
}

function readRule(value: unknown, path: FieldPath, r: FieldReader): ApRule {
  if (value === null) r.problem(path, 'rule must not be null');
  const rule = value === null ? undefined : r.object(value, path, ['from', 'to', 'when']);
  if (rule === undefined) return { from: [], to: [], when: [] };
  return {
    from: r.list(rule['from'], [...path, 'from']).map((f, i) => readSource(f, [...path, 'from', i], r)),
    to: r.list(rule['to'], [...path, 'to']).map((t, i) => readOperation(t, [...path, 'to', i], r)),
    when: r.list(rule['when'], [...path, 'when']).map((w, i) => readCondition(w, [...path, 'when', i], r)),
  };
}

function readValues<F extends string>(fields: readonly F[], record: Record<string, unknown>, path: FieldPath, r: FieldReader) {
  const out = {} as Record<F, string[]>;
  for (const f of fields) {
    out[f] = r.strings(record[f], [...path, f]);
    out[f].forEach((v, i) => v === '' && r.problem([...path, f, i], 'empty value not allowed'));
  }
  return out;
}

function checkEach(values: string[], path: FieldPath, check: (v: string) => string | undefined, r: FieldReader): void {
  values.forEach((v, i) => {
    const problem = v === '' ? undefined : check(v); // empty values are reported once, by readValues
    if (problem !== undefined) r.problem([...path, i], problem);
  });
}

/**
 * `{ source: {...} }` or `{ to: {...} }`: the wrapper must hold its one field, and that field at least one value.
 * Emptiness is judged on the raw value so that a mistyped or unknown field is not also called missing.
 */
function readWrapped<F extends string>(value: unknown, path: FieldPath, key: string, fields: readonly F[], r: FieldReader) {
  const outer = r.object(value, path, [key]);
  const inner = [...path, key];
  const record = r.object(outer?.[key], inner, fields);
  if (outer !== undefined && record === undefined && outer[key] === undefined) r.problem(inner, 'must be set');
  const absent = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  if (record !== undefined && Object.entries(record).every(([k, v]) => (fields as readonly string[]).includes(k) && absent(v))) {
    r.problem(inner, 'must not be empty');
  }
  return { values: readValues(fields, record ?? {}, inner, r), path: inner };
}

function readSource(value: unknown, path: FieldPath, r: FieldReader): Source {
  const { values: src, path: sourcePath } = readWrapped(value, path, 'source', SOURCE_FIELDS, r);
  for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) checkEach(src[f], [...sourcePath, f], checkIp, r);
  for (const f of ['serviceAccounts', 'notServiceAccounts'] as const) {
    if (src[f].length > 16) r.problem([...sourcePath, f], 'may not have more than 16 values');
    checkEach(src[f], [...sourcePath, f], checkServiceAccount, r);
  }
  const identityFields = src.principals.length + src.notPrincipals.length + src.namespaces.length + src.notNamespaces.length;
  if (identityFields > 0 && src.serviceAccounts.length + src.notServiceAccounts.length > 0) {
    r.problem(sourcePath, 'cannot set serviceAccounts with namespaces or principals');
  }
  return src;
}

function readOperation(value: unknown, path: FieldPath, r: FieldReader): Operation {
  const { values: op, path: opPath } = readWrapped(value, path, 'operation', OPERATION_FIELDS, r);
  for (const f of ['ports', 'notPorts'] as const) checkEach(op[f], [...opPath, f], checkPort, r);
  for (const f of ['paths', 'notPaths'] as const) checkEach(op[f], [...opPath, f], checkPathTemplate, r);
  return op;
}

function readCondition(value: unknown, path: FieldPath, r: FieldReader): Condition {
  const record = r.object(value, path, ['key', 'values', 'notValues']) ?? {};
  const key = r.string(record['key'], [...path, 'key']) ?? '';
  const values = r.strings(record['values'], [...path, 'values']);
  const notValues = r.strings(record['notValues'], [...path, 'notValues']);
  if (key === '') r.problem([...path, 'key'], 'must not be empty');
  else if (values.length === 0 && notValues.length === 0) r.problem(path, `at least one of values or notValues must be set for key ${key}`);
  else {
    // With no values only the key itself can be wrong; report that once, at the key.
    const badKey = checkCondition(key, []);
    if (badKey !== undefined) r.problem([...path, 'key'], badKey);
    for (const [field, list] of [['values', values], ['notValues', notValues]] as const) {
      const bad = badKey === undefined && list.length > 0 ? checkCondition(key, list) : undefined;
      if (bad !== undefined) r.problem([...path, field], bad);
    }
  }
  return { key, values, notValues };
}
