// The endpoints of a service that can take a connection on one port from one network (its own, or another one
// through that network's gateway), memoised per endpoint list:
// the store hands out the same frozen list until a batch changes the service or its endpoints, so the per-endpoint
// port and network checks run once per change rather than once per connection.
import type { ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { targetPortOf, type Endpoint } from './load-balance.js';

export interface Candidates {
  /**
   * Endpoints with an address (or a hostname to resolve) and a target port for the service port: on the source's network, or on another one
   * with a network gateway (reached by double HBONE).
   */
  readonly usable: readonly Endpoint[];
  /** How many otherwise usable endpoints are on other networks without a gateway, so out of reach. */
  readonly unreachable: number;
}

const memo = new WeakMap<readonly WorkloadRecord[], Map<number, Map<string, Candidates>>>();

export function candidatesFor(endpoints: readonly WorkloadRecord[], service: ServiceRecord, port: number, network: string): Candidates {
  let byPort = memo.get(endpoints);
  if (byPort === undefined) memo.set(endpoints, (byPort = new Map()));
  let byNetwork = byPort.get(port);
  if (byNetwork === undefined) byPort.set(port, (byNetwork = new Map()));
  let found = byNetwork.get(network);
  if (found === undefined) byNetwork.set(network, (found = compute(endpoints, service, port, network)));
  return found;
}

function compute(endpoints: readonly WorkloadRecord[], service: ServiceRecord, port: number, network: string): Candidates {
  const usable: Endpoint[] = [];
  let unreachable = 0;
  for (const workload of endpoints) {
    const targetPort = targetPortOf(workload, service, port);
    // A workload without addresses is usable only when it names a host to resolve on demand.
    if (targetPort === 0 || (workload.addresses.length === 0 && workload.hostname === '')) continue;
    if (workload.network === network || workload.networkGateway !== undefined) usable.push(Object.freeze({ workload, targetPort }));
    else unreachable++;
  }
  return Object.freeze({ usable: Object.freeze(usable), unreachable });
}
