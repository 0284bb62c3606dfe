// The walk-through `npm start` shows once the mesh is ready: the certificates ztunnels hold, an allowed request over
// HBONE with both identities (from the destination's access log), a denied one with the policy that denied it, where
// the metrics are, and what to try next. Every fact comes from the running mesh, not from this file.
import { join } from 'node:path';
import { explain, PolicyStore } from '@ambient/l4-authz';
import { formatTable } from '../output/table.js';
import { findRecord, type LogRecord } from './access-log.js';
import { logFileName, type AmbientLayout } from './layout.js';
import { WORKLOAD_PORTS, hostPort, type PlannedWorkload, type UpPlan } from './plan.js';
import { httpGet, splitHostPort } from './probes.js';
import { httpGetViaSocks5, SOCKS5_REPLIES, type SocksHttpResult } from './socks5-client.js';
import { suggestions } from './suggestions.js';

type Print = (line: string) => void;

export interface WalkthroughContext {
  readonly layout: AmbientLayout;
  /** ambientctl's command names, so only commands that exist are suggested. */
  readonly commands: readonly string[];
  /** The example directory as the user typed it. */
  readonly exampleDir: string;
  readonly print: Print;
}

export async function runWalkthrough(plan: UpPlan, { layout, commands, exampleDir, print }: WalkthroughContext): Promise<void> {
  const walk = plan.walkthrough;
  if (walk === undefined) return;
  const logs = plan.ztunnels.map((z) => join(layout.logsDir, logFileName(`ztunnel ${z.node}`)));
  const workload = (ref: string): PlannedWorkload => plan.workloads.find((w) => `${w.namespace}/${w.name}` === ref) as PlannedWorkload;
  print('');
  await showCertificates(plan, print);
  const allowed = workload(walk.allowed.from);
  await showAllowed(allowed, walk.allowed.url, logs, print);
  await showDenied(plan, workload(walk.denied.from), walk.denied.url, logs, print);
  await showMetrics(plan, allowed, print);
  print('');
  print('5. Try next, from this directory in another terminal:');
  for (const line of suggestions(plan, commands, exampleDir)) print(`   ${line}`);
  print('');
}

async function showCertificates(plan: UpPlan, print: Print): Promise<void> {
  print("1. Certificates ambientd's CA issued to each ztunnel for its workloads (from /config_dump):");
  const rows: string[][] = [];
  for (const z of plan.ztunnels) {
    const dump = await httpGet(z.admin, '/config_dump');
    const certificates = dump?.status === 200 ? ((JSON.parse(dump.body) as { certificates?: CertificateJson[] }).certificates ?? []) : [];
    for (const c of certificates) rows.push([z.node, c.identity, c.state, c.certChain?.[0]?.expirationTime ?? '', c.certChain?.[0]?.serialNumber ?? '']);
  }
  for (const line of formatTable(['NODE', 'IDENTITY', 'STATE', 'VALID UNTIL', 'SERIAL'], rows).trimEnd().split('\n')) print(`   ${line}`);
}

interface CertificateJson {
  readonly identity: string;
  readonly state: string;
  readonly certChain?: readonly { readonly expirationTime: string; readonly serialNumber: string }[];
}

async function showAllowed(from: PlannedWorkload, url: string, logs: readonly string[], print: Print): Promise<void> {
  print('');
  print(`2. ${from.namespace}/${from.name} → ${url} through its ztunnel (SOCKS5 ${socksOf(from)}), over HBONE:`);
  const since = Date.now() - 1;
  const result = await request(from, url);
  if (result.reply !== 0) return print(`   the request failed: ${result.error ?? socksReply(result.reply)}`);
  print(`   HTTP ${result.status ?? '?'}: ${JSON.stringify((result.body ?? '').trim())}`);
  const inbound = await findRecord(logs, since, (r) => isFrom(r, from) && r['direction'] === 'inbound' && r['msg'] === 'connection complete');
  if (inbound === undefined) return print('   (no access-log line from the destination ztunnel yet)');
  const r = inbound.record;
  print(`   the destination ztunnel logged (${inbound.file.split('/').pop() ?? ''}): "connection complete"`);
  print(`     src.identity=${str(r['src.identity'])}`);
  print(`     dst.identity=${str(r['dst.identity'])}  dst.hbone_addr=${str(r['dst.hbone_addr'])}  bytes_recv=${str(r['bytes_recv'])} bytes_sent=${str(r['bytes_sent'])}`);
}

async function showDenied(plan: UpPlan, from: PlannedWorkload, url: string, logs: readonly string[], print: Print): Promise<void> {
  print('');
  print(`3. ${from.namespace}/${from.name} → ${url}, which policy forbids:`);
  const since = Date.now() - 1;
  const result = await request(from, url);
  print(`   ${result.reply === 0 ? `not denied: HTTP ${result.status ?? '?'}` : `refused: ${result.error ?? socksReply(result.reply)}`}`);
  const outbound = await findRecord(logs, since, (r) => r['direction'] === 'outbound' && r['src.workload'] === from.name && r['src.namespace'] === from.namespace);
  const refused = await findRecord(logs, since, (r) => isFrom(r, from) && r['direction'] === 'inbound' && typeof r['error'] === 'string');
  if (outbound) print(`   source ztunnel: ${str(outbound.record['error'])}`);
  if (refused) print(`   destination ztunnel: ${str(refused.record['error'])}`);
  const hbone = outbound?.record['dst.hbone_addr'];
  const dst = plan.workloads.find((w) => typeof hbone === 'string' && w.address === splitHostPort(hbone).host);
  if (dst === undefined || typeof hbone !== 'string') return;
  const store = new PolicyStore();
  store.replaceAll([...plan.policies]);
  const why = explain(
    { srcIp: from.address, srcIdentity: { trustDomain: from.trustDomain, namespace: from.namespace, serviceAccount: from.serviceAccount }, dstIp: dst.address, dstPort: splitHostPort(hbone).port },
    store.findApplicable({ namespace: dst.namespace, authorizationPolicies: dst.authorizationPolicies }),
  );
  print(`   why (@ambient/l4-authz over the policies ambientd serves): ${why.decision.reason}`);
  for (const p of why.policies) print(`     ${p.policy} (${p.action}): ${p.matched ? p.detail : `no match: ${p.detail}`}`);
}

async function showMetrics(plan: UpPlan, allowed: PlannedWorkload, print: Print): Promise<void> {
  print('');
  print('4. Metrics (Prometheus text, Istio names):');
  for (const z of plan.ztunnels) print(`   ztunnel ${z.node}: http://${z.metrics}/metrics`);
  print(`   ambientd: http://${plan.ambientd.debug}/metrics`);
  const principal = `spiffe://${allowed.trustDomain}/ns/${allowed.namespace}/sa/${allowed.serviceAccount}`;
  for (const z of plan.ztunnels) {
    const text = (await httpGet(z.metrics, '/metrics'))?.body ?? '';
    const line = text.split('\n').find((l) => l.startsWith('istio_tcp_connections_opened_total{') && l.includes('reporter="destination"') && l.includes(`source_principal="${principal}"`));
    if (line === undefined) continue;
    const labels = ['reporter', 'source_principal', 'destination_principal'].map((k) => new RegExp(`${k}="[^"]*"`).exec(line)?.[0]).filter(Boolean);
    print(`   on ztunnel ${z.node} (labels shortened): istio_tcp_connections_opened_total{${labels.join(',')},…} ${line.slice(line.lastIndexOf('}') + 1).trim()}`);
    return;
  }
}

/** The request as the workload; a failure to reach its SOCKS5 listener is reported, not thrown. */
function request(from: PlannedWorkload, url: string): Promise<SocksHttpResult & { error?: string }> {
  return httpGetViaSocks5(socksOf(from), url).catch((err: Error) => ({ reply: -1, error: err.message }));
}

function socksOf(w: PlannedWorkload): string {
  return hostPort(w.address, WORKLOAD_PORTS.socks5);
}

/** Inbound records carry the source workload's own address (ztunnel keeps the source IP). */
function isFrom(r: LogRecord, from: PlannedWorkload): boolean {
  return typeof r['src.addr'] === 'string' && splitHostPort(r['src.addr']).host === from.address;
}

function socksReply(code: number): string {
  return `SOCKS5 reply ${code} (${SOCKS5_REPLIES[code] ?? 'unknown'})`;
}

function str(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '-';
}
