// MeshSync against a recording sink and a scripted translator: what reaches the xDS server, and read failures.
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { ADDRESS_TYPE_URL, AddressSchema, type Address } from '@ambient/api/workload';
import type { TranslatedConfig } from '@ambient/mesh-config';
import { MeshSync, type ConfigTranslator, type ResourceSink } from '../src/mesh-sync.js';

const workload = (uid: string, node = 'n'): Address => create(AddressSchema, { type: { case: 'workload', value: { uid, node } } });

class Recorder implements ResourceSink {
  readonly calls: string[] = [];
  readonly #versions = new Map<string, string>();
  upsert(typeUrl: string, name: string, value: Address): void {
    this.calls.push(`upsert ${name}`);
    this.#versions.set(`${typeUrl} ${name}`, JSON.stringify(value.type.value));
  }
  remove(typeUrl: string, name: string): void {
    this.calls.push(`remove ${name}`);
    this.#versions.delete(`${typeUrl} ${name}`);
  }
  versionOf(typeUrl: string, name: string): string | undefined {
    return this.#versions.get(`${typeUrl} ${name}`);
  }
}

/** Answers each update with the next scripted address map, recording the files it was given. */
function scripted(...steps: Map<string, Address>[]): ConfigTranslator & { files: string[][] } {
  let current: TranslatedConfig = { addresses: new Map(), authorizations: new Map(), problems: [], configz: {} };
  const files: string[][] = [];
  return {
    files,
    update: (given) => {
      files.push(given.map((f) => `${f.path}=${f.text}`));
      current = { ...current, addresses: steps.shift() ?? new Map() };
      return current;
    },
    current: () => current,
    hasWorkloadOnNode: () => false,
  };
}

describe('MeshSync', () => {
  it('hands over new and rebuilt resources, skips unchanged objects, removes vanished ones', () => {
    const a = workload('a');
    const sink = new Recorder();
    const sync = new MeshSync(scripted(new Map([['a', a], ['b', workload('b')]]), new Map([['a', a], ['b', workload('b')]]), new Map([['b', workload('b', 'm')]])), sink);
    expect(sync.apply({ files: [], unreadable: [] }).changedTypes).toEqual([ADDRESS_TYPE_URL]);
    expect(sync.apply({ files: [], unreadable: [] }).changedTypes).toEqual([]);
    expect(sync.apply({ files: [], unreadable: [] }).changedTypes).toEqual([ADDRESS_TYPE_URL]);
    expect(sink.calls).toEqual(['upsert a', 'upsert b', 'upsert b', 'upsert b', 'remove a']);
  });

  it('keeps feeding the last text of a file it cannot read, and reports it', () => {
    const translator = scripted();
    const sync = new MeshSync(translator, new Recorder());
    sync.apply({ files: [{ path: '/c/a.yaml', text: 'A' }, { path: '/c/b.yaml', text: 'B' }], unreadable: [] });
    const result = sync.apply({ files: [{ path: '/c/b.yaml', text: 'B2' }], unreadable: [{ path: '/c/a.yaml', reason: 'EACCES: permission denied' }] });
    expect(translator.files[1]).toEqual(['/c/a.yaml=A', '/c/b.yaml=B2']);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'AMBIENTD_ERR_CONFIG_READ', file: '/c/a.yaml', message: expect.stringMatching(/EACCES/) })]);
    sync.failed('/c', new Error('ENOENT: no such file or directory'));
    expect(sync.problems()).toEqual([expect.objectContaining({ code: 'AMBIENTD_ERR_CONFIG_DIR', file: '/c' })]);
  });
});
