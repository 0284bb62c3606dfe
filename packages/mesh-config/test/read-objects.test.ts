// readConfigObjects: the validated objects of a file set as MeshConfig sees them (labels merged, node label kept,
// located), each key once, invalid ones left out — what `ambientctl analyze` inspects as a whole.
import { describe, expect, it } from 'vitest';
import { readConfigObjects } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

describe('readConfigObjects', () => {
  it('lists the quickstart objects, located, with merged labels', () => {
    const objects = readConfigObjects(quickstartFiles());
    expect(objects.map((o) => `${o.envelope.key} ${o.source.file}:${o.source.line}`)).toEqual([
      'Namespace default quickstart/namespace.yaml:2',
      'AuthorizationPolicy default/echo-allow-sleep quickstart/policies.yaml:2',
      'ServiceEntry default/echo quickstart/services.yaml:2',
      'WorkloadEntry default/sleep quickstart/workloads.yaml:2',
      'WorkloadEntry default/echo quickstart/workloads.yaml:14',
    ]);
    const echo = objects.find((o) => o.envelope.key === 'WorkloadEntry default/echo');
    expect(echo?.kind === 'WorkloadEntry' && echo.spec.labels).toEqual({ app: 'echo', version: 'v1', 'ambient.dev/node': 'node-b' });
    const se = objects.find((o) => o.kind === 'ServiceEntry');
    expect(se?.kind === 'ServiceEntry' && se.selector).toEqual({ app: 'echo' });
  });

  it('keeps the first definition of a key in path order and leaves invalid objects out', () => {
    const files = withFile(
      withFile(quickstartFiles(), 'a.yaml', 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: echo, namespace: default}\nspec: {address: 127.0.99.1}\n'),
      'z.yaml',
      'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: broken}\nspec: {address: 300.1.1.1}\n',
    );
    const objects = readConfigObjects(files);
    const echo = objects.filter((o) => o.envelope.key === 'WorkloadEntry default/echo');
    expect(echo.map((o) => o.source.file)).toEqual(['a.yaml']);
    expect(objects.some((o) => o.envelope.name === 'broken')).toBe(false);
  });
});
