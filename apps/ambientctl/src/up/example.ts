// An example's own file (`example.yaml` next to `mesh/`): the sample apps `up` runs beside the mesh and the two
// requests the walk-through sends. Pure: text in, checked spec out, every mistake named with the file.
import { parse } from 'yaml';
import { AmbientctlError } from '../errors.js';

export interface SampleApp {
  /** 'namespace/name' of the WorkloadEntry the app serves as; it listens on that workload's address. */
  readonly workload: string;
  readonly kind: 'http-echo';
  readonly port: number;
}

export interface WalkthroughRequest {
  /** 'namespace/name' of the calling workload. */
  readonly from: string;
  readonly url: string;
}

export interface ExampleSpec {
  readonly apps: readonly SampleApp[];
  readonly walkthrough?: { readonly allowed: WalkthroughRequest; readonly denied: WalkthroughRequest };
}

export const EXAMPLE_FILE = 'example.yaml';
const APP_KINDS = ['http-echo'] as const;
const WORKLOAD_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** Parses example.yaml; `file` is only for messages. */
export function parseExample(text: string, file: string): ExampleSpec {
  const bad = (what: string): AmbientctlError => new AmbientctlError('AMBIENTCTL_ERR_INPUT', `${file}: ${what}`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw bad(`not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (doc === null || doc === undefined) return { apps: [] };
  if (!isRecord(doc)) throw bad('expected a mapping with "apps" and "walkthrough"');
  for (const key of Object.keys(doc)) if (key !== 'apps' && key !== 'walkthrough') throw bad(`unknown field "${key}" (expected apps, walkthrough)`);
  const apps = doc['apps'] ?? [];
  if (!Array.isArray(apps)) throw bad('"apps" must be a list');
  const spec: ExampleSpec = { apps: apps.map((a, i) => parseApp(a, `apps[${i}]`, bad)) };
  if (doc['walkthrough'] === undefined) return spec;
  const w = doc['walkthrough'];
  if (!isRecord(w)) throw bad('"walkthrough" must be a mapping with "allowed" and "denied"');
  return { ...spec, walkthrough: { allowed: parseRequest(w['allowed'], 'walkthrough.allowed', bad), denied: parseRequest(w['denied'], 'walkthrough.denied', bad) } };
}

function parseApp(value: unknown, at: string, bad: (what: string) => AmbientctlError): SampleApp {
  if (!isRecord(value)) throw bad(`${at} must be a mapping with workload, kind and port`);
  const { workload, kind, port } = value;
  if (typeof workload !== 'string' || !WORKLOAD_REF.test(workload)) throw bad(`${at}.workload must be NAMESPACE/NAME, got ${JSON.stringify(workload)}`);
  if (!(APP_KINDS as readonly unknown[]).includes(kind)) throw bad(`${at}.kind must be one of ${APP_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad(`${at}.port must be a number from 1 to 65535, got ${JSON.stringify(port)}`);
  return { workload, kind: 'http-echo', port };
}

function parseRequest(value: unknown, at: string, bad: (what: string) => AmbientctlError): WalkthroughRequest {
  if (!isRecord(value)) throw bad(`${at} must be a mapping with "from" and "url"`);
  const { from, url } = value;
  if (typeof from !== 'string' || !WORKLOAD_REF.test(from)) throw bad(`${at}.from must be NAMESPACE/NAME, got ${JSON.stringify(from)}`);
  if (typeof url !== 'string' || !/^http:\/\/[^/:]+(:\d+)?\//.test(url)) throw bad(`${at}.url must be an http:// URL with a path, got ${JSON.stringify(url)}`);
  return { from, url };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
