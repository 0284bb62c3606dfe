// --local-xds-path / --local-xds (Istio's LOCAL_XDS_PATH / LOCAL_XDS): the file is read once at start, as ztunnel
// reads it, and its resources go into MeshState through the same batch writer as an xDS response, before any xDS
// stream starts. Anything wrong stops the start with every problem named by file and field.
import { readFileSync } from 'node:fs';
import type { MeshState } from '@ambient/mesh-state';
import { addressType, authorizationType, type Batch } from '@ambient/xds-client';
import { ZtunnelError } from '../errors.js';
import { applyBatch } from '../xds-sync.js';
import { parseLocalXds, type LocalResource, type LocalXdsConfig } from './parse.js';

/** Where local config comes from: a file, or YAML given inline. */
export type LocalXdsSource = { readonly path: string } | { readonly inline: string };

/** Reads and checks the source; throws ZtunnelError (ZTUNNEL_ERR_FILE) naming the source and every bad field. */
export function readLocalXds(source: LocalXdsSource): LocalXdsConfig {
  const label = labelOf(source);
  let text: string;
  if ('path' in source) {
    try {
      text = readFileSync(source.path, 'utf8');
    } catch (err) {
      throw new ZtunnelError('ZTUNNEL_ERR_FILE', `${label} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  } else text = source.inline;
  const result = parseLocalXds(text);
  if ('problems' in result) throw invalid(label, result.problems);
  return result.config;
}

/**
 * Reads the source and writes its resources as one Address batch and one Authorization batch; a rejection by the
 * store is a problem of the file too. Returns what was loaded.
 */
export function loadLocalXds(state: MeshState, source: LocalXdsSource): LocalXdsConfig {
  const config = readLocalXds(source);
  const problems = [
    ...rejections(state, addressType.typeUrl, config.addresses),
    ...rejections(state, authorizationType.typeUrl, config.authorizations),
  ];
  if (problems.length > 0) throw invalid(labelOf(source), problems);
  return config;
}

function labelOf(source: LocalXdsSource): string {
  return 'path' in source ? `--local-xds-path ${source.path}` : '--local-xds';
}

function rejections(state: MeshState, typeUrl: string, resources: readonly LocalResource<unknown>[]): string[] {
  if (resources.length === 0) return [];
  const batch: Batch = { typeUrl, changed: resources.map((r) => ({ name: r.name, version: 'local', value: r.value, aliases: [] })), removed: [] };
  const rejected = applyBatch(state, batch);
  return resources.flatMap((r) => {
    const reason = rejected.get(r.name);
    return reason === undefined ? [] : [`${r.path}: ${reason}`];
  });
}

function invalid(label: string, problems: readonly string[]): ZtunnelError {
  const shown = problems.slice(0, 10);
  if (problems.length > 10) shown.push(`and ${problems.length - 10} more`);
  return new ZtunnelError('ZTUNNEL_ERR_FILE', `${label} is not a valid local config: ${shown.join('; ')}`);
}
