// The connection `authz eval` asks about, from its flags: every value checked, a bad one named in one sentence
// (the CLI exits 2). Pure, so the flag rules are table-tested without running the command.
import { parseIp, type Connection } from '@ambient/l4-authz';
import { DEFAULT_ROOT_NAMESPACE } from '@ambient/l4-authz/yaml';
import { parseIstioIdentity } from '@ambient/spiffe';
import { usageError } from '../errors.js';

export interface EvalFlags {
  readonly file?: readonly string[];
  readonly dstNamespace?: string;
  readonly dstLabels?: string;
  readonly dstIp?: string;
  readonly dstPort?: string;
  readonly srcIp?: string;
  readonly srcIdentity?: string;
  readonly rootNamespace?: string;
  readonly node?: string;
  readonly admin?: string;
  readonly output?: string;
}

export interface EvalRequest {
  readonly connection: Connection;
  /** Required with -f; with a live ztunnel the workload at --dst-ip names its namespace. */
  readonly dstNamespace?: string;
  readonly dstLabels: Readonly<Record<string, string>>;
  readonly rootNamespace: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Kubernetes label keys (optional DNS prefix) and values.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Checks the flags of one evaluation; `live` is true with --node/--admin (the ztunnel knows labels and scopes). */
export function parseEvalRequest(flags: EvalFlags, live: boolean): EvalRequest {
  if (live && flags.dstLabels !== undefined) throw usageError('--dst-labels applies to -f only: a running ztunnel already knows which policies select the workload at --dst-ip');
  if (live && flags.rootNamespace !== undefined) throw usageError('--root-namespace applies to -f only: a running ztunnel already knows each policy\'s scope');
  if (!live && flags.dstNamespace === undefined) throw usageError('--dst-namespace is required with -f');
  const dstNamespace = flags.dstNamespace === undefined ? undefined : namespace(flags.dstNamespace, '--dst-namespace');
  const srcIdentity = flags.srcIdentity === undefined ? undefined : identity(flags.srcIdentity);
  const connection: Connection = {
    srcIp: ip(flags.srcIp, '--src-ip'),
    ...(srcIdentity === undefined ? {} : { srcIdentity }),
    dstIp: ip(flags.dstIp, '--dst-ip'),
    dstPort: port(flags.dstPort),
  };
  return {
    connection,
    ...(dstNamespace === undefined ? {} : { dstNamespace }),
    dstLabels: labels(flags.dstLabels ?? ''),
    rootNamespace: namespace(flags.rootNamespace ?? DEFAULT_ROOT_NAMESPACE, '--root-namespace'),
  };
}

function ip(value: string | undefined, flag: string): string {
  if (value === undefined) throw usageError(`${flag} is required`);
  if (parseIp(value) === undefined) throw usageError(`${flag} "${value}" is not an IPv4 or IPv6 address`);
  return value;
}

function port(value: string | undefined): number {
  if (value === undefined) throw usageError('--dst-port is required');
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw usageError(`--dst-port "${value}" is not a port from 1 to 65535`);
  return n;
}

function namespace(value: string, flag: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) throw usageError(`${flag} "${value}" is not a namespace name (lower-case letters, digits and '-')`);
  return value;
}

function identity(value: string): Connection['srcIdentity'] {
  try {
    const id = parseIstioIdentity(value);
    return { trustDomain: id.trustDomain, namespace: id.namespace, serviceAccount: id.serviceAccount };
  } catch (err) {
    throw usageError(`--src-identity: ${(err as Error).message}`);
  }
}

function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === '') return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? undefined : pair.slice(eq + 1);
    if (value === undefined || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw usageError(`--dst-labels "${pair}" is not key=value with a valid label key and value`);
    }
    if (key in out) throw usageError(`--dst-labels sets "${key}" twice`);
    out[key] = value;
  }
  return out;
}
