// networking.istio.io ServiceEntry.spec as ztunnel needs it: hosts, VIPs (IPs or CIDRs), ports with their
// application protocol, and either a workloadSelector or inline endpoints; validated as Istio's webhook would.
import type { SourceDocument } from '../documents.js';
import { formatPath, type FieldPath, type Fields, type Mapping } from '../fields.js';
import { dnsNameProblem } from '../hostname.js';
import { readVip } from '../ip.js';
import type { AppProtocolName, Resolution, ServiceEntryObject, ServicePort, ServiceVip, WorkloadSpec } from './model.js';
import { readWorkloadSpec } from './workload-entry.js';

const FIELDS = ['hosts', 'addresses', 'ports', 'location', 'resolution', 'endpoints', 'workloadSelector', 'exportTo', 'subjectAltNames'];
const PORT_FIELDS = ['number', 'protocol', 'name', 'targetPort'];
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'];
/** DNS and DNS_ROUND_ROBIN alike: istiod's ambient index sends hostname Workloads for both; ztunnel resolves them. */
const RESOLUTIONS: readonly Resolution[] = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];
const HOST = /^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;

/** Istio's protocol names (case-insensitive) and the AppProtocol istiod derives (pilot ambient toAppProtocol). */
const PROTOCOLS: Readonly<Record<string, AppProtocolName>> = {
  HTTP: 'HTTP11', HTTP2: 'HTTP2', GRPC: 'GRPC', 'GRPC-WEB': 'UNKNOWN', HTTPS: 'UNKNOWN', HTTP_PROXY: 'UNKNOWN',
  TCP: 'UNKNOWN', TLS: 'UNKNOWN', UDP: 'UNKNOWN', MONGO: 'UNKNOWN', MYSQL: 'UNKNOWN', REDIS: 'UNKNOWN',
};

export type ServiceEntrySpec = Omit<ServiceEntryObject, 'kind' | 'envelope' | 'source'>;

export function readServiceEntrySpec(value: unknown, doc: SourceDocument, f: Fields): ServiceEntrySpec | undefined {
  const before = f.problems.length;
  const spec = f.mapping(value, ['spec'], FIELDS);
  if (spec === undefined) {
    if (value === undefined || value === null) f.add('CONFIG_ERR_MISSING_FIELD', ['spec'], 'is required');
    return undefined;
  }
  const hosts = f.strings(spec['hosts'], ['spec', 'hosts']);
  if (hosts.length === 0) f.add('CONFIG_ERR_MISSING_FIELD', ['spec', 'hosts'], 'at least one host is required');
  hosts.forEach((h, i) => HOST.test(h) || f.add('CONFIG_ERR_INVALID_FIELD', ['spec', 'hosts', i], `"${h}" is not a DNS name`));
  const vips = readVips(spec, doc, f);
  const ports = readPorts(spec, f);
  enumOf(spec['location'], ['spec', 'location'], LOCATIONS, f);
  const resolution = (enumOf(spec['resolution'], ['spec', 'resolution'], RESOLUTIONS, f) ?? 'NONE') as Resolution;
  const dns = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
  const selector = readSelector(spec['workloadSelector'], f);
  const endpointOf = { hostnames: dns };
  const endpoints = f.list(spec['endpoints'], ['spec', 'endpoints']).map((e, i) => readWorkloadSpec(e, ['spec', 'endpoints', i], doc, f, {}, endpointOf));
  if (selector !== undefined && endpoints.length > 0) f.add('CONFIG_ERR_INVALID_FIELD', ['spec', 'workloadSelector'], 'only one of workloadSelector or endpoints can be set');
  if (dns) checkDns(resolution, hosts, vips, endpoints.length, selector !== undefined, f);
  const exportTo = f.strings(spec['exportTo'], ['spec', 'exportTo']);
  const subjectAltNames = f.strings(spec['subjectAltNames'], ['spec', 'subjectAltNames']);
  if (f.problems.length > before) return undefined;
  const hostsLine = doc.lineOf(['spec', 'hosts']);
  const given = endpoints.filter((e) => e !== undefined);
  return {
    hosts, hostsLine, vips, ports, resolution, ...(selector === undefined ? {} : { selector }),
    endpoints: dns && given.length === 0 && selector === undefined ? hosts.map((h, i) => implicitEndpoint(h, i, hostsLine)) : given,
    subjectAltNames, namespaceOnly: exportTo.length === 1 && exportTo[0] === '.',
  };
}

/**
 * Istio's rules for DNS resolution: without endpoints (or a selector) each host is the name resolved, so it must be
 * a full DNS name; DNS_ROUND_ROBIN takes at most one endpoint; VIPs are addresses, not CIDR ranges.
 */
function checkDns(resolution: Resolution, hosts: readonly string[], vips: readonly ServiceVip[], endpoints: number, selector: boolean, f: Fields): void {
  if (endpoints === 0 && !selector) {
    hosts.forEach((h, i) => {
      const problem = HOST.test(h) ? dnsNameProblem(h) : undefined;
      if (problem !== undefined) f.add('CONFIG_ERR_INVALID_FIELD', ['spec', 'hosts', i], `"${h}" ${problem}: with resolution ${resolution} and no endpoints each host is resolved by DNS, so it must be a full DNS name (give endpoints, or use resolution NONE)`);
    });
  }
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints > 1) f.add('CONFIG_ERR_INVALID_FIELD', ['spec', 'endpoints'], `resolution DNS_ROUND_ROBIN takes at most one endpoint, got ${endpoints}`);
  vips.forEach((v, i) => {
    if (v.length !== undefined) f.add('CONFIG_ERR_BAD_CIDR', ['spec', 'addresses', i], `"${v.key}" is a CIDR range: ranges are allowed only with resolution NONE or STATIC`);
  });
}

/** istiod's implicit endpoint: a WorkloadEntry whose address is the host, nothing else set. */
function implicitEndpoint(host: string, index: number, line: number): WorkloadSpec {
  return {
    address: { hostname: host, text: host, implicit: true }, addressLine: line, addressField: `spec.hosts[${index}]`,
    labels: {}, ports: {}, serviceAccount: 'default', network: '',
  };
}

function readVips(spec: Mapping, doc: SourceDocument, f: Fields): ServiceVip[] {
  const out: ServiceVip[] = [];
  f.list(spec['addresses'], ['spec', 'addresses']).forEach((a, i) => {
    const path = ['spec', 'addresses', i];
    const vip = readVip(a, path, f);
    if (vip !== undefined) out.push({ ...vip, line: doc.lineOf(path), field: formatPath(path) });
  });
  return out;
}

function readPorts(spec: Mapping, f: Fields): ServicePort[] {
  const ports = f.list(spec['ports'], ['spec', 'ports']);
  if (ports.length === 0 && spec['ports'] === undefined) f.add('CONFIG_ERR_MISSING_FIELD', ['spec', 'ports'], 'at least one port is required');
  const out: ServicePort[] = [];
  const seen = new Set<number>();
  ports.forEach((p, i) => {
    const path = ['spec', 'ports', i];
    const port = f.mapping(p, path, PORT_FIELDS);
    if (port === undefined) return;
    const number = f.port(port['number'], [...path, 'number']);
    if (number === undefined && port['number'] === undefined) f.add('CONFIG_ERR_MISSING_FIELD', [...path, 'number'], 'is required');
    const targetPort = f.port(port['targetPort'], [...path, 'targetPort']);
    const name = f.string(port['name'], [...path, 'name']) ?? '';
    const protocol = (f.string(port['protocol'], [...path, 'protocol']) ?? name.split('-')[0] ?? '').toUpperCase();
    const appProtocol = PROTOCOLS[protocol];
    if (appProtocol === undefined && port['protocol'] !== undefined) {
      f.add('CONFIG_ERR_INVALID_FIELD', [...path, 'protocol'], `"${String(port['protocol'])}" is not a protocol Istio knows (${Object.keys(PROTOCOLS).join(', ')})`);
    }
    if (number === undefined) return;
    if (seen.has(number)) f.add('CONFIG_ERR_BAD_PORT', [...path, 'number'], `port ${number} is listed twice; each port number must be unique`);
    seen.add(number);
    out.push({ number, ...(targetPort === undefined ? {} : { targetPort }), name, appProtocol: appProtocol ?? 'UNKNOWN' });
  });
  return out;
}

function readSelector(value: unknown, f: Fields): Record<string, string> | undefined {
  const path = ['spec', 'workloadSelector'];
  const selector = f.mapping(value, path, ['labels']);
  if (selector === undefined) return undefined;
  const labels = f.labels(selector['labels'], [...path, 'labels']);
  if (Object.keys(labels).length === 0) f.add('CONFIG_ERR_MISSING_FIELD', [...path, 'labels'], 'a workloadSelector needs at least one label');
  return labels;
}

function enumOf(value: unknown, path: FieldPath, allowed: readonly string[], f: Fields): string | undefined {
  const text = f.string(value, path);
  if (text === undefined || allowed.includes(text)) return text;
  f.add('CONFIG_ERR_INVALID_FIELD', path, `"${text}" is not one of ${allowed.join(', ')}`);
  return undefined;
}
