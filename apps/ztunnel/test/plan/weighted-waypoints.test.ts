// planOutbound with Service.weighted_waypoints (reference §1.3 step 3): one waypoint sampled per connection by
// weight from an injected random source, so each row is deterministic; weight 0 takes no connections.
import { describe, expect, it } from 'vitest';
import { planOutbound, type OutboundDestination } from '../../src/plan/outbound.js';
import { world, workloadOf } from './mesh.js';
import { summary } from './summary.js';

const OPTIONS = { hbonePort: 15008, illegalPorts: [15001, 15006, 15008, 15080] };
const id = (sa: string) => `spiffe://cluster.local/ns/default/sa/${sa}`;
const CANARY = { ip: '10.96.0.80', port: 80 };

const rows: { name: string; from?: string; to: OutboundDestination; random: number; want: Record<string, unknown> }[] = [
  {
    name: 'weights 90/10, a draw in the first 90%: the waypoint behind its Service',
    to: CANARY, random: 0,
    want: { kind: 'hbone', nextHop: '10.0.9.1:15008', authority: '10.96.0.80:80', ids: [id('waypoint'), id('waypoint-alt')], to: 'wp', service: 'canary', waypoint: true },
  },
  { name: 'weights 90/10, a draw at 0.899: still the first', to: CANARY, random: 0.899, want: { to: 'wp' } },
  { name: 'weights 90/10, a draw at 0.95: the waypoint by address', to: CANARY, random: 0.95, want: { kind: 'hbone', nextHop: '10.0.9.2:15008', ids: [id('waypoint-v2')], to: 'wp2', waypoint: true } },
  { name: 'by hostname: authority is still the VIP', to: { hostname: 'canary.default.svc.cluster.local', port: 80 }, random: 0.95, want: { authority: '10.96.0.80:80', to: 'wp2' } },
  { name: 'weight 0 takes nothing, even on a draw of 0', to: { ip: '10.96.0.81', port: 80 }, random: 0, want: { to: 'wp2' } },
  { name: 'every weight 0: an even split (first half)', to: { ip: '10.96.0.82', port: 80 }, random: 0.2, want: { to: 'wp' } },
  { name: 'every weight 0: an even split (second half)', to: { ip: '10.96.0.82', port: 80 }, random: 0.7, want: { to: 'wp2' } },
  { name: 'weighted waypoints replace Service.waypoint, even when the drawn one cannot be resolved', to: { ip: '10.96.0.83', port: 80 }, random: 0, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'waypoint default/missing.default.svc.cluster.local has no workload to send to' } },
  { name: 'a weighted waypoint itself calling the service goes to an endpoint', from: 'wp2', to: CANARY, random: 0, want: { kind: 'hbone', nextHop: '10.0.8.5:15008', to: 'canary-1', waypoint: false } },
  { name: 'so does the other weighted waypoint', from: 'wp', to: CANARY, random: 0.95, want: { kind: 'hbone', to: 'canary-1', waypoint: false } },
];

describe('weighted waypoints', () => {
  const state = world();
  it.each(rows)('$name', ({ from, to, random, want }) => {
    expect(summary(planOutbound(state, workloadOf(state, from ?? 'sleep'), to, { ...OPTIONS, random: () => random }))).toMatchObject(want);
  });

  it('samples per connection with the default random source, in proportion to the weights', () => {
    const source = workloadOf(state, 'sleep');
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const plan = planOutbound(state, source, CANARY, OPTIONS);
      const to = plan.kind === 'hbone' ? plan.destination.name : plan.kind;
      counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    // 90/10 over 400 draws: both appear (a miss has odds below 1e-18) and the heavy one dominates.
    expect([...counts.keys()].sort()).toEqual(['wp', 'wp2']);
    expect(counts.get('wp') ?? 0).toBeGreaterThan(3 * (counts.get('wp2') ?? 0));
  });
});
