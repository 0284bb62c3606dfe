// The server's resources per type URL, each encoded once with a content-hash version, ready to go on any stream.
import { isMessage, type DescMessage, type Message } from '@bufbuild/protobuf';
import { anyPack, AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { createHash } from 'node:crypto';
import { XdsServerError } from './errors.js';
import { FieldWriter } from './field-writer.js';

/** An Any is served as given (checking it is the client's job, as with istiod); a message is packed by its schema. */
export type ResourceValue = Any | Message;

/** A resource also known by other keys: istiod serves a pod's Address under `<network>/<ip>` for on-demand lookups. */
export interface AliasedResource {
  readonly resource: ResourceValue;
  readonly aliases: readonly string[];
}

export type ResourceEntry = ResourceValue | AliasedResource;

export interface StoredResource {
  readonly name: string;
  readonly version: string;
  readonly aliases: readonly string[];
  /** The `envoy.service.discovery.v3.Resource` message, encoded once and shared by every stream. */
  readonly encoded: Uint8Array;
}

const TYPE_PREFIX = 'type.googleapis.com/';
const NO_ALIASES: readonly string[] = [];

/** envoy.service.discovery.v3.Resource { version = 1; resource = 2 (Any: type_url = 1, value = 2); name = 3; aliases = 4 }. */
function encodeResource(name: string, version: string, any: Any, aliases: readonly string[]): Uint8Array {
  const [nameSize, versionSize, typeSize] = [name, version, any.typeUrl].map((s) => Buffer.byteLength(s)) as [number, number, number];
  const aliasSizes = aliases.map((a) => Buffer.byteLength(a));
  const anySize = FieldWriter.size(typeSize) + FieldWriter.size(any.value.length);
  let size = FieldWriter.size(versionSize) + FieldWriter.size(anySize) + FieldWriter.size(nameSize);
  for (const n of aliasSizes) size += FieldWriter.size(n);
  const w = new FieldWriter(size);
  w.field(1, version, versionSize);
  w.header(2, anySize);
  w.field(1, any.typeUrl, typeSize);
  w.field(2, any.value, any.value.length);
  w.field(3, name, nameSize);
  aliases.forEach((a, i) => w.field(4, a, aliasSizes[i] ?? 0));
  return w.buffer;
}

function isAliased(entry: ResourceEntry): entry is AliasedResource {
  return !('$typeName' in entry) && 'aliases' in entry;
}

export class ResourceStore {
  readonly #types = new Map<string, Map<string, StoredResource>>();
  /** Per type: alias → the names of the resources served under it (a service VIP also stands for its endpoints). */
  readonly #aliases = new Map<string, Map<string, Set<string>>>();
  readonly #schemas = new Map<string, DescMessage>();

  constructor(schemas: readonly DescMessage[]) {
    for (const s of schemas) this.#schemas.set(TYPE_PREFIX + s.typeName, s);
  }

  get(typeUrl: string, name: string): StoredResource | undefined {
    return this.#types.get(typeUrl)?.get(name);
  }

  /** The resource an alias stands for, if any (the first, when several share it). */
  resolveAlias(typeUrl: string, alias: string): StoredResource | undefined {
    return this.resolveAliasAll(typeUrl, alias)[0];
  }

  /** Every resource served under an alias: istiod answers a lookup by VIP with the service and its workloads (§3.4). */
  resolveAliasAll(typeUrl: string, alias: string): StoredResource[] {
    const names = this.#aliases.get(typeUrl)?.get(alias) ?? [];
    return [...names].flatMap((name) => this.get(typeUrl, name) ?? []);
  }

  names(typeUrl: string): IterableIterator<string> {
    return (this.#types.get(typeUrl) ?? new Map<string, StoredResource>()).keys();
  }

  size(typeUrl: string): number {
    return this.#types.get(typeUrl)?.size ?? 0;
  }

  /** Replaces every resource of a type; returns the names whose content changed or that went away. */
  replace(typeUrl: string, entries: ReadonlyMap<string, ResourceEntry>): string[] {
    const next = new Map<string, StoredResource>();
    for (const [name, entry] of entries) next.set(name, this.#encode(typeUrl, name, entry));
    const old = this.#types.get(typeUrl) ?? new Map<string, StoredResource>();
    const changed: string[] = [];
    for (const [name, r] of next) if (old.get(name)?.version !== r.version) changed.push(name);
    for (const name of old.keys()) if (!next.has(name)) changed.push(name);
    this.#types.set(typeUrl, next);
    this.#aliases.set(typeUrl, new Map());
    for (const r of next.values()) this.#reindex(typeUrl, undefined, r);
    return changed;
  }

  /** True when the content (or the aliases) changed. */
  upsert(typeUrl: string, name: string, entry: ResourceEntry): boolean {
    const r = this.#encode(typeUrl, name, entry);
    let byName = this.#types.get(typeUrl);
    if (!byName) this.#types.set(typeUrl, (byName = new Map()));
    const old = byName.get(name);
    if (old?.version === r.version) return false;
    byName.set(name, r);
    this.#reindex(typeUrl, old, r);
    return true;
  }

  /** True when the resource existed. */
  remove(typeUrl: string, name: string): boolean {
    const old = this.get(typeUrl, name);
    if (!old) return false;
    this.#types.get(typeUrl)?.delete(name);
    this.#reindex(typeUrl, old, undefined);
    return true;
  }

  #reindex(typeUrl: string, old: StoredResource | undefined, next: StoredResource | undefined): void {
    if (!old?.aliases.length && !next?.aliases.length) return;
    let index = this.#aliases.get(typeUrl);
    if (!index) this.#aliases.set(typeUrl, (index = new Map()));
    for (const a of old?.aliases ?? []) {
      const names = index.get(a);
      names?.delete(old?.name ?? '');
      if (names?.size === 0) index.delete(a);
    }
    for (const a of next?.aliases ?? []) {
      let names = index.get(a);
      if (!names) index.set(a, (names = new Set()));
      names.add(next?.name ?? '');
    }
  }

  #encode(typeUrl: string, name: string, entry: ResourceEntry): StoredResource {
    if (!name) throw new XdsServerError('XDS_SERVER_ERR_BAD_RESOURCE', `a ${typeUrl} resource has an empty name`);
    const [value, aliases] = isAliased(entry) ? [entry.resource, entry.aliases] : [entry, NO_ALIASES];
    const any = this.#toAny(typeUrl, name, value);
    const hash = createHash('sha256').update(any.typeUrl).update(any.value);
    for (const a of aliases) hash.update(`\0${a}`);
    const version = hash.digest('base64url').slice(0, 16);
    return { name, version, aliases, encoded: encodeResource(name, version, any, aliases) };
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
