// The commands the walk-through suggests next, built from the running example and limited to the ambientctl
// commands this build has (others are being added), so every line printed works.
import type { UpPlan } from './plan.js';

/** `exampleDir` as the user should type it (relative to their working directory). */
export function suggestions(plan: UpPlan, commands: readonly string[], exampleDir: string): string[] {
  const lines: string[] = [];
  const walk = plan.walkthrough;
  if (walk) {
    lines.push(`npx ambientctl exec ${walk.allowed.from} -- curl -s ${walk.allowed.url}   # allowed`);
    lines.push(`npx ambientctl exec ${walk.denied.from} -- curl -s ${walk.denied.url}   # denied`);
  }
  const node = plan.ztunnels[0]?.node ?? 'NODE';
  const has = (name: string): boolean => commands.includes(name);
  if (has('ztunnel-config')) lines.push(`npx ambientctl ztunnel-config workloads --node ${node}`, `npx ambientctl ztunnel-config certificates --node ${node}`);
  if (has('proxy-status')) lines.push('npx ambientctl proxy-status');
  if (has('analyze')) lines.push(`npx ambientctl analyze ${exampleDir}/mesh`);
  lines.push('tail -f .ambient/logs/*.log   # every component\'s log');
  return lines;
}
