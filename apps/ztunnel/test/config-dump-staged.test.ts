// /config_dump's stagedServices: endpoints that arrived before their service, in ztunnel's shape (service key →
// workload uid → { workloadUid, port, status }), gone once the service is there.
import { describe, expect, it } from 'vitest';
import { WorkloadStatus, type Address } from '@ambient/api/workload';
import { MeshState } from '@ambient/mesh-state';
import { batch, nameOf, service, workload } from '@ambient/mesh-state/testing';
import { readZtunnelConfig } from '../src/config.js';
import { configDump } from '../src/config-dump.js';

const ECHO = 'default/echo.default.svc.cluster.local';
const E1 = workload('echo-1', '10.0.0.1', { services: { [ECHO]: { ports: [{ servicePort: 80, targetPort: 8080 }, { servicePort: 443, targetPort: 8443 }] } } });
const SICK = workload('echo-2', '10.0.0.2', { status: WorkloadStatus.UNHEALTHY, services: { [ECHO]: { ports: [] }, 'other/db.other.svc.cluster.local': { ports: [{ servicePort: 5432, targetPort: 5432 }] } } });
const config = readZtunnelConfig({ '--node': 'node-a', '--token-file': 't', '--root-cert': 'r' });

function dumpOf(...steps: Address[][]): Record<string, unknown> {
  const state = new MeshState();
  for (const step of steps) expect(state.applyAddresses(batch(...step), [])).toEqual([]);
  return JSON.parse(JSON.stringify(configDump(state, [], config))) as Record<string, unknown>;
}

describe('/config_dump stagedServices', () => {
  it.each([
    ['an empty store', [], {}],
    ['a workload whose service has not arrived, with its port map', [[E1]], {
      [ECHO]: { [nameOf(E1)]: { workloadUid: nameOf(E1), port: { '80': 8080, '443': 8443 }, status: 'Healthy' } },
    }],
    ['an unhealthy one too, under each service it lists, an empty port list as {}', [[E1, SICK]], {
      [ECHO]: {
        [nameOf(E1)]: { workloadUid: nameOf(E1), port: { '80': 8080, '443': 8443 }, status: 'Healthy' },
        [nameOf(SICK)]: { workloadUid: nameOf(SICK), port: {}, status: 'Unhealthy' },
      },
      'other/db.other.svc.cluster.local': { [nameOf(SICK)]: { workloadUid: nameOf(SICK), port: { '5432': 5432 }, status: 'Unhealthy' } },
    }],
    ['nothing once the service arrived', [[E1], [service('echo', '10.96.0.1')]], {}],
    ['a workload of no service stages nothing', [[workload('lone', '10.0.0.9')]], {}],
  ] as const)('%s', (_name, steps, staged) => {
    const dump = dumpOf(...(steps as unknown as Address[][]));
    expect(dump['stagedServices']).toEqual(staged);
  });

  it('sits beside workloads, services and policies, which still list the staged workload', () => {
    const dump = dumpOf([E1]);
    expect(Object.keys(dump)).toEqual(expect.arrayContaining(['workloads', 'services', 'policies', 'stagedServices', 'certificates', 'config', 'version', 'staticConfig']));
    expect((dump['workloads'] as { uid: string }[]).map((w) => w.uid)).toEqual([nameOf(E1)]);
  });
});
