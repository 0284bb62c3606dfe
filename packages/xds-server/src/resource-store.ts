// The server's resources per type URL, each encoded once with a content-hash version, ready to go on any stream.
import { isMessage, type DescMessage, type Message } from '@bufbuild/protobuf';
import { anyPack, AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { createHash } from 'node:crypto';
import { XdsServerError } from './errors.js';
import { FieldWriter } from './field-writer.js';

/** An Any is served as given (checking it is the client's job, as with istiod); a message is packed by its schema. */
export type ResourceValue = Any | Message;

export interface StoredResource {
  readonly name: string;
  readonly version: string;
  /** The `envoy.service.discovery.v3.Resource` message, encoded once and shared by every stream. */
  readonly encoded: Uint8Array;
}

const TYPE_PREFIX = 'type.googleapis.com/';

/** envoy.service.discovery.v3.Resource { version = 1; resource = 2 (Any: type_url = 1, value = 2); name = 3 }. */
function encodeResource(name: string, version: string, any: Any): Uint8Array {
  const [nameSize, versionSize, typeSize] = [name, version, any.typeUrl].map((s) => Buffer.byteLength(s)) as [number, number, number];
  const anySize = FieldWriter.size(typeSize) + FieldWriter.size(any.value.length);
  const w = new FieldWriter(FieldWriter.size(versionSize) + FieldWriter.size(anySize) + FieldWriter.size(nameSize));
  w.field(1, version, versionSize);
  w.header(2, anySize);
  w.field(1, any.typeUrl, typeSize);
  w.field(2, any.value, any.value.length);
  w.field(3, name, nameSize);
  return w.buffer;
}

export class ResourceStore {
  readonly #types = new Map<string, Map<string, StoredResource>>();
  readonly #schemas = new Map<string, DescMessage>();

  constructor(schemas: readonly DescMessage[]) {
    for (const s of schemas) this.#schemas.set(TYPE_PREFIX + s.typeName, s);
  }

  get(typeUrl: string, name: string): StoredResource | undefined {
    return this.#types.get(typeUrl)?.get(name);
  }

  names(typeUrl: string): IterableIterator<string> {
    return (this.#types.get(typeUrl) ?? new Map<string, StoredResource>()).keys();
  }

  size(typeUrl: string): number {
    return this.#types.get(typeUrl)?.size ?? 0;
  }

  /** Replaces every resource of a type; returns the names whose content changed or that went away. */
  replace(typeUrl: string, values: ReadonlyMap<string, ResourceValue>): string[] {
    const next = new Map<string, StoredResource>();
    for (const [name, value] of values) next.set(name, this.#encode(typeUrl, name, value));
    const old = this.#types.get(typeUrl) ?? new Map<string, StoredResource>();
    const changed: string[] = [];
    for (const [name, r] of next) if (old.get(name)?.version !== r.version) changed.push(name);
    for (const name of old.keys()) if (!next.has(name)) changed.push(name);
    this.#types.set(typeUrl, next);
    return changed;
  }

  /** True when the content changed. */
  upsert(typeUrl: string, name: string, value: ResourceValue): boolean {
    const r = this.#encode(typeUrl, name, value);
    let byName = this.#types.get(typeUrl);
    if (!byName) this.#types.set(typeUrl, (byName = new Map()));
    if (byName.get(name)?.version === r.version) return false;
    byName.set(name, r);
    return true;
  }

  /** True when the resource existed. */
  remove(typeUrl: string, name: string): boolean {
    return this.#types.get(typeUrl)?.delete(name) ?? false;
  }

  #encode(typeUrl: string, name: string, value: ResourceValue): StoredResource {
    if (!name) throw new XdsServerError('XDS_SERVER_ERR_BAD_RESOURCE', `a ${typeUrl} resource has an empty name`);
    const any = this.#toAny(typeUrl, name, value);
    const version = createHash('sha256').update(any.typeUrl).update(any.value).digest('base64url').slice(0, 16);
    return { name, version, encoded: encodeResource(name, version, any) };
  }

  #toAny(typeUrl: string, name: string, value: ResourceValue): Any {
    if (isMessage(value, AnySchema)) return value;
    const schema = this.#schemas.get(typeUrl);
    if (!schema) {
      throw new XdsServerError('XDS_SERVER_ERR_BAD_RESOURCE', `no schema known for ${typeUrl} (resource ${name}): pass an Any or add the schema to the server's \`schemas\``);
    }
    if (!isMessage(value, schema)) {
      throw new XdsServerError('XDS_SERVER_ERR_BAD_RESOURCE', `resource ${name} is a ${(value as Message).$typeName}, but ${typeUrl} carries ${schema.typeName}`);
    }
    return anyPack(schema, value);
  }
}
