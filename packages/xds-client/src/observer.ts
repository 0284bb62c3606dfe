// What the client tells an observer (ztunnel's xDS metrics, src/xds/metrics.rs): each response as it arrives, and
// why each stream ended, in ztunnel's four ConnectionTerminationReasons.
import { status, type StatusObject } from '@grpc/grpc-js';
import type { DeltaDiscoveryResponse } from '@ambient/api/xds';
import { retriesImmediately } from './backoff.js';

/**
 * As ztunnel's AdsClient decides it (src/xds/client.rs run_loop): ConnectionError when no stream was opened (nothing
 * answered, TLS failed, the server refused before any response headers, the token could not be read); Complete when
 * the stream ended with OK; Reconnect when an opened stream ended the way a server going away ends it (Unknown,
 * Cancelled, DeadlineExceeded, "transport is closing", GOAWAY); Error for any other status.
 */
export type TerminationReason = 'ConnectionError' | 'Error' | 'Reconnect' | 'Complete';

/** Both optional; a throwing observer is logged and ignored, never fails the client. */
export interface XdsObserver {
  /** One DeltaDiscoveryResponse received on the live stream, before it is processed (unknown types included). */
  message?(typeUrl: string, bytes: number): void;
  /** One stream ended, other than by `close()`; the client reconnects after this. */
  terminated?(reason: TerminationReason): void;
}

/** `opened`: the server answered with response headers (tonic's call future resolving, in ztunnel). */
export function terminationReason(closed: Pick<StatusObject, 'code' | 'details'>, opened: boolean): TerminationReason {
  if (closed.code === status.OK) return 'Complete';
  if (!opened) return 'ConnectionError';
  return retriesImmediately(closed) ? 'Reconnect' : 'Error';
}

/**
 * A response's size as ztunnel counts it for istio_xds_message_bytes_total: the encoded bodies of its resources
 * (`Any.value`, the bytes as received), not the envelope around them.
 */
export function resourceBytes(response: DeltaDiscoveryResponse): number {
  let bytes = 0;
  for (const resource of response.resources) bytes += resource.resource?.value.length ?? 0;
  return bytes;
}
