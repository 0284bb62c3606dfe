// Workloads and services shaped like mesh-state records, for the label and log tests.
import type { LabelledService, LabelledWorkload } from '../src/index.js';

export const sleep: LabelledWorkload = {
  name: 'sleep-7d9f8b-abcde',
  namespace: 'default',
  workloadName: 'sleep',
  canonicalName: 'sleep',
  canonicalRevision: 'v1',
  clusterId: 'Kubernetes',
  identity: 'spiffe://cluster.local/ns/default/sa/sleep',
  locality: { region: 'eu-west', zone: 'eu-west-1a' },
};

export const echo: LabelledWorkload = {
  name: 'echo-5c6d7e-fghij',
  namespace: 'apps',
  workloadName: 'echo',
  canonicalName: 'echo',
  canonicalRevision: 'v2',
  clusterId: 'Kubernetes',
  identity: 'spiffe://cluster.local/ns/apps/sa/echo',
};

export const echoService: LabelledService = { name: 'echo', namespace: 'apps', hostname: 'echo.apps.svc.cluster.local' };
