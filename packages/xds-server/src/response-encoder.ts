// Writes DeltaDiscoveryResponse bytes around pre-encoded Resources, so a push to 50 streams encodes each resource once.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { MethodDefinition } from '@grpc/grpc-js';
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

/** Field numbers of envoy.service.discovery.v3.DeltaDiscoveryResponse. */
const F = { resources: 2, typeUrl: 4, nonce: 5, removed: 6, controlPlane: 7 } as const;

export function encodePush(push: EncodedPush): Buffer {
  const w = new BinaryWriter();
  for (const r of push.resources) w.tag(F.resources, WireType.LengthDelimited).bytes(r);
  w.tag(F.typeUrl, WireType.LengthDelimited).string(push.typeUrl);
  w.tag(F.nonce, WireType.LengthDelimited).string(push.nonce);
  for (const name of push.removed) w.tag(F.removed, WireType.LengthDelimited).string(name);
  if (push.controlPlane) w.tag(F.controlPlane, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(push.controlPlane).join();
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
