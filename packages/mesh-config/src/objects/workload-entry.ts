// networking.istio.io WorkloadEntry.spec (and a ServiceEntry's inline endpoints, which share its shape), validated as
// Istio's webhook would, with the node taken from the ambient.dev/node label.
import type { SourceDocument } from '../documents.js';
import { formatPath, type FieldPath, type Fields, type Mapping } from '../fields.js';
import { readEndpointAddress } from '../hostname.js';
import { readIp } from '../ip.js';
import type { Locality, WorkloadSpec } from './model.js';

const FIELDS = ['address', 'ports', 'labels', 'network', 'locality', 'weight', 'serviceAccount'];
const SERVICE_ACCOUNT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Reads a WorkloadEntry spec at `path`; `metaLabels` are merged under spec.labels (spec wins), as selection sees them.
 * `endpointOf` is set for a ServiceEntry's inline endpoint: `hostnames` when its resolution lets a DNS name stand
 * for the address.
 */
export function readWorkloadSpec(
  value: unknown, path: FieldPath, doc: SourceDocument, f: Fields, metaLabels: Readonly<Record<string, string>> = {}, endpointOf?: { hostnames: boolean },
): WorkloadSpec | undefined {
  const before = f.problems.length;
  const spec = f.mapping(value, path, FIELDS);
  if (spec === undefined) {
    if (value === undefined || value === null) f.add('CONFIG_ERR_MISSING_FIELD', path, 'is required');
    return undefined;
  }
  const address = endpointOf === undefined ? readIp(spec['address'], [...path, 'address'], f) : readEndpointAddress(spec['address'], [...path, 'address'], f, endpointOf.hostnames);
  const labels = { ...metaLabels, ...f.labels(spec['labels'], [...path, 'labels']) };
  const ports = readPorts(spec, path, f);
  const serviceAccount = f.string(spec['serviceAccount'], [...path, 'serviceAccount']) || 'default';
  if (serviceAccount.length > 253 || !SERVICE_ACCOUNT.test(serviceAccount)) {
    f.add('CONFIG_ERR_INVALID_FIELD', [...path, 'serviceAccount'], `"${serviceAccount}" is not a valid service account name`);
  }
  const network = f.string(spec['network'], [...path, 'network']) ?? '';
  const locality = readLocality(spec['locality'], [...path, 'locality'], f);
  const weight = f.uint32(spec['weight'], [...path, 'weight']);
  if (address === undefined || f.problems.length > before) return undefined;
  const addressPath = [...path, 'address'];
  return {
    address, addressLine: doc.lineOf(addressPath), addressField: formatPath(addressPath), labels, ports, serviceAccount, network,
    ...(locality === undefined ? {} : { locality }), ...(weight === undefined || weight === 0 ? {} : { weight }),
  };
}

function readPorts(spec: Mapping, path: FieldPath, f: Fields): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(f.mapping(spec['ports'], [...path, 'ports']) ?? {})) {
    const port = f.port(v, [...path, 'ports', name]);
    if (port !== undefined) out[name] = port;
  }
  return out;
}

/** 'region/zone/subzone', each part optional from the right. */
function readLocality(value: unknown, path: FieldPath, f: Fields): Locality | undefined {
  const text = f.string(value, path);
  if (text === undefined || text === '') return undefined;
  const parts = text.split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) {
    f.add('CONFIG_ERR_INVALID_FIELD', path, `"${text}" is not a locality: expected region, region/zone or region/zone/subzone`);
    return undefined;
  }
  return { region: parts[0] ?? '', zone: parts[1] ?? '', subzone: parts[2] ?? '' };
}
