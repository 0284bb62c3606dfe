// The outbound step between planning and connecting when the plan picked a hostname-only endpoint: resolve it, then
// finish the plan with the address; a failed lookup refuses the connection (UNKNOWN_NAME: SOCKS5 0x04, a close under
// transparent capture) with the reason, as ztunnel's build_request error ends in log_early_deny.
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { ProxyContext } from '../context.js';
import { planResolved, type FinalPlan, type ResolvePlan } from '../plan/outbound.js';

export async function fetchResolvedPlan(ctx: ProxyContext, source: WorkloadRecord, plan: ResolvePlan): Promise<FinalPlan> {
  if (ctx.onDemandDns === undefined) {
    return { kind: 'refuse', code: 'UNKNOWN_NAME', reason: `workload ${plan.destination.uid} has only the hostname ${plan.hostname} and on-demand DNS is not running here` };
  }
  try {
    const ip = await ctx.onDemandDns.fetchAddress(source, plan.destination, plan.preferIpv6);
    return planResolved(plan, ip, { hbonePort: ctx.config.hbonePort });
  } catch (err) {
    return { kind: 'refuse', code: 'UNKNOWN_NAME', reason: (err as Error).message };
  }
}
