// Istio resources as the mesh's YAML files hold them, for tests that write a mesh for ambientd.

/** The `default` namespace, enrolled in ambient mode. */
export const AMBIENT_NAMESPACE_YAML = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    istio.io/dataplane-mode: ambient\n';

/**
 * A WorkloadEntry in `default` named `name` (also its service account and `app` label), placed on `node`; with no
 * node, no ztunnel serves it (a workload that speaks HBONE itself).
 */
export function workloadEntryYaml(name: string, address: string, node?: string): string {
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: default
spec:
  address: ${address}
  serviceAccount: ${name}
  labels:
    app: ${name}
${node === undefined ? '' : `    ambient.dev/node: ${node}\n`}`;
}

/**
 * A STATIC ServiceEntry in `default` named `name`, host `<name>.default.mesh` on `vip`, TCP port 80 (to `targetPort`
 * when given), selecting the workloads labelled `app: <name>`.
 */
export function serviceEntryYaml(name: string, vip: string, targetPort?: number): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: default
spec:
  hosts: [${name}.default.mesh]
  addresses: [${vip}]
  ports:
    - number: 80
${targetPort === undefined ? '' : `      targetPort: ${targetPort}\n`}      name: tcp
      protocol: TCP
  resolution: STATIC
  workloadSelector:
    labels:
      app: ${name}
`;
}
