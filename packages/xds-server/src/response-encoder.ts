// Writes DeltaDiscoveryResponse bytes around pre-encoded Resources, so a push to 50 streams encodes each resource once.
import type { MethodDefinition } from '@grpc/grpc-js';
import { FieldWriter } from './field-writer.js';
import type { DeltaDiscoveryRequest } from '@ambient/api/xds';
import { aggregatedDiscoveryService } from '@ambient/grpc';

export interface EncodedPush {
  readonly typeUrl: string;
  readonly nonce: string;
  /** Encoded `Resource` messages. */
  readonly resources: readonly Uint8Array[];
  readonly removed: readonly string[];
  readonly controlPlane?: string;
}

/** Field numbers of envoy.service.discovery.v3.DeltaDiscoveryResponse (all length-delimited). */
const F = { resources: 2, typeUrl: 4, nonce: 5, removed: 6, controlPlane: 7 } as const;

export function encodePush(push: EncodedPush): Buffer {
  const strings: [number, string, number][] = [[F.typeUrl, push.typeUrl, 0], [F.nonce, push.nonce, 0], ...push.removed.map((n): [number, string, number] => [F.removed, n, 0])];
  for (const s of strings) s[2] = Buffer.byteLength(s[1]);
  const plane = push.controlPlane ? Buffer.byteLength(push.controlPlane) : 0;
  let size = 0;
  for (const r of push.resources) size += FieldWriter.size(r.length);
  for (const [, , n] of strings) size += FieldWriter.size(n);
  if (push.controlPlane) size += FieldWriter.size(FieldWriter.size(plane));
  const w = new FieldWriter(size);
  for (const r of push.resources) w.field(F.resources, r, r.length);
  for (const [field, value, n] of strings) w.field(field, value, n);
  if (push.controlPlane) {
    const inner = new FieldWriter(FieldWriter.size(plane));
    inner.field(1, push.controlPlane, plane);
    w.field(F.controlPlane, inner.buffer, inner.buffer.length);
  }
  return w.buffer;
}

const base = aggregatedDiscoveryService.deltaAggregatedResources;

/** @ambient/grpc's method with a pass-through response serializer: responses arrive here already encoded. */
export const deltaAdsMethod: MethodDefinition<DeltaDiscoveryRequest, Buffer> = {
  path: base.path,
  requestStream: true,
  responseStream: true,
  requestSerialize: base.requestSerialize,
  requestDeserialize: base.requestDeserialize,
  responseSerialize: (bytes: Buffer) => bytes,
  responseDeserialize: (bytes: Buffer) => bytes,
  originalName: base.originalName,
};

export const adsServiceDefinition = { deltaAggregatedResources: deltaAdsMethod };
