// @ambient/netns: network-namespace topologies (nodes, workloads, a wire) for tests and local meshes, with cleanup.
export { createTopology, Topology } from './topology.js';
export { buildCommands, layoutTopology } from './layout.js';
export type { HostLayout, Layout, NodeLayout, NodeSpec, TopologySpec, WorkloadLayout } from './layout.js';
export { listNamespaces, removeByPrefix, removeLeftovers, removeNamespaces, runPrefix } from './cleanup.js';
export { inNamespace, runCommand } from './command.js';
export type { CommandRunner } from './command.js';
export { NetnsError } from './errors.js';
export type { NetnsErrorCode } from './errors.js';
