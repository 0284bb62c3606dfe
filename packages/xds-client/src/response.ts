// Turns one DeltaDiscoveryResponse into accepted changes, removals and per-resource rejections (§3.2).
import type { DeltaDiscoveryResponse } from '@ambient/api/xds';
import type { ResourceType } from './resource-type.js';

export interface ResourceChange<T> {
  readonly name: string;
  readonly version: string;
  readonly value: T;
  /** Other keys the server knows it by (istiod: `<network>/<ip>` for an on-demand lookup by address). */
  readonly aliases: readonly string[];
}

/** What one response holds for the consumer: applied together, by one writer. */
export interface Batch<T = unknown> {
  readonly typeUrl: string;
  readonly changed: readonly ResourceChange<T>[];
  readonly removed: readonly string[];
}

export interface DecodedResponse<T> {
  readonly changed: ResourceChange<T>[];
  readonly removed: string[];
  /** name → reason, in the order the response carried them. */
  readonly rejected: Map<string, string>;
}

/** Decodes each resource on its own, so one bad resource never blocks the good ones (partial acceptance). */
export function decodeResponse<T>(type: ResourceType<T>, response: DeltaDiscoveryResponse): DecodedResponse<T> {
  const changed: ResourceChange<T>[] = [];
  const rejected = new Map<string, string>();
  for (const resource of response.resources) {
    const name = resource.name;
    if (!name) {
      rejected.set('(unnamed)', 'resource has no name');
    } else if (!resource.resource) {
      rejected.set(name, 'resource has no body');
    } else {
      const result = type.decode(resource.resource);
      if ('error' in result) rejected.set(name, result.error);
      else changed.push({ name, version: resource.version, value: result.value, aliases: resource.aliases });
    }
  }
  return { changed, removed: [...response.removedResources], rejected };
}

/** The NACK's error_detail.message as ztunnel writes it: `name: reason; name: reason`. */
export function nackMessage(rejected: ReadonlyMap<string, string>): string {
  return [...rejected].map(([name, reason]) => `${name}: ${reason}`).join('; ');
}
