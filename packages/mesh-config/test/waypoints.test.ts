// istio-waypoint Gateways reflected in the waypoint field of services and workloads that use them.
import { create, equals } from '@bufbuild/protobuf';
import { GatewayAddressSchema } from '@ambient/api/workload';
import { describe, expect, it } from 'vitest';
import { MeshConfig, type ConfigFile } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

const ECHO_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/echo';

const gateway = (labels = '', addresses = '  addresses: [{ type: IPAddress, value: 127.0.50.1 }]\n') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: waypoint
  namespace: default
${labels}spec:
  gatewayClassName: istio-waypoint
  listeners:
    - { name: mesh, port: 15008, protocol: HBONE }
${addresses}`;

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels: { istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint }\n';

function meshWith(...extra: ConfigFile[]): ConfigFile[] {
  let files = withFile(quickstartFiles(), 'quickstart/namespace.yaml', NAMESPACE);
  for (const f of extra) files = withFile(files, f.path, f.text);
  return files;
}

function waypoints(files: readonly ConfigFile[]) {
  const t = new MeshConfig().update(files);
  const s = t.addresses.get('default/echo.default.mesh');
  const w = t.addresses.get(ECHO_UID);
  return { t, service: s?.type.case === 'service' ? s.type.value.waypoint : undefined, workload: w?.type.case === 'workload' ? w.type.value.waypoint : undefined };
}

const BY_ADDRESS = create(GatewayAddressSchema, { destination: { case: 'address', value: { network: '', address: new Uint8Array([127, 0, 50, 1]) } }, hboneMtlsPort: 15008 });

describe('waypoints', () => {
  it('a namespace label sends service traffic through the waypoint (waypoint-for defaults to service)', () => {
    const { t, service, workload } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway() }));
    expect(t.problems).toEqual([]);
    expect(service && equals(GatewayAddressSchema, service, BY_ADDRESS)).toBe(true);
    expect(workload).toBeUndefined();
  });

  it('istio.io/waypoint-for: all also sets the workload waypoint', () => {
    const { service, workload } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway('  labels: { istio.io/waypoint-for: all }\n') }));
    expect(service).toBeDefined();
    expect(workload && equals(GatewayAddressSchema, workload, BY_ADDRESS)).toBe(true);
  });

  it('istio.io/waypoint-for: workload leaves services alone', () => {
    const { service, workload } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway('  labels: { istio.io/waypoint-for: workload }\n') }));
    expect(service).toBeUndefined();
    expect(workload).toBeDefined();
  });

  it('an object label overrides the namespace, and "none" opts out', () => {
    const services = quickstartFiles().find((f) => f.path.endsWith('services.yaml'))?.text ?? '';
    const optOut = services.replace('  namespace: default\n', '  namespace: default\n  labels: { istio.io/use-waypoint: none }\n');
    const { service } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway() }, { path: 'quickstart/services.yaml', text: optOut }));
    expect(service).toBeUndefined();
  });

  it('a Gateway without addresses is reached by its Service hostname, on its HBONE listener port', () => {
    const text = gateway('', '').replace('port: 15008', 'port: 15009');
    const { service } = waypoints(meshWith({ path: 'waypoint.yaml', text }));
    expect(service?.hboneMtlsPort).toBe(15009);
    expect(service?.destination).toMatchObject({ case: 'hostname', value: { namespace: 'default', hostname: 'waypoint.default.svc.cluster.local' } });
  });

  it('a missing waypoint is reported once at the namespace that names it, and traffic is served without one', () => {
    const { t, service } = waypoints(meshWith());
    expect(service).toBeUndefined();
    expect(t.problems).toEqual([{
      code: 'CONFIG_ERR_WAYPOINT_MISSING', file: 'quickstart/namespace.yaml', line: 1, object: 'Namespace default', field: 'metadata.labels[istio.io/use-waypoint]',
      message: 'no istio-waypoint Gateway default/waypoint exists; served without a waypoint until it does',
    }]);
  });

  it('a Gateway of another class is rejected', () => {
    const { t } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway().replace('istio-waypoint', 'istio') }));
    expect(t.problems.map((p) => [p.code, p.object, p.field])).toEqual([
      ['CONFIG_ERR_WAYPOINT_MISSING', 'Namespace default', 'metadata.labels[istio.io/use-waypoint]'],
      ['CONFIG_ERR_INVALID_FIELD', 'Gateway default/waypoint', 'spec.gatewayClassName'],
    ]);
  });

  it('a Gateway with a bad address is rejected', () => {
    const { t } = waypoints(meshWith({ path: 'waypoint.yaml', text: gateway('', '  addresses: [{ value: 127.0.50.999 }]\n') }));
    expect(t.problems.map((p) => [p.code, p.field])).toEqual([['CONFIG_ERR_WAYPOINT_MISSING', 'metadata.labels[istio.io/use-waypoint]'], ['CONFIG_ERR_BAD_ADDRESS', 'spec.addresses[0].value']]);
  });
});
