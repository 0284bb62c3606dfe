// The contract every xDS resource type meets: a stateless object the generic client is parameterised by.
import type { Any } from '@bufbuild/protobuf/wkt';

/** What a type's decode returns: the value, or why the resource is rejected (goes into the NACK). */
export type DecodeResult<T> = { readonly value: T } | { readonly error: string };

/**
 * One xDS resource type (as grpc-js-xds models them). Stateless, so a consumer may register a stricter decode
 * for the same type URL without touching the client.
 */
export interface ResourceType<T> {
  readonly typeUrl: string;
  /** Decodes and validates one resource; never throws. */
  decode(any: Any): DecodeResult<T>;
  /** True when two decoded values mean the same thing (an unchanged resource notifies nobody). */
  equal(a: T, b: T): boolean;
}

/** The value type a resource type decodes to. */
export type ValueOf<R> = R extends ResourceType<infer T> ? T : never;
