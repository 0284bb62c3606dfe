// `ambientctl up DIR`: plans the example, checks its addresses are free, prepares the state directory and each
// node's token, starts ambientd, one ztunnel per node and the sample apps together (or in network namespaces with
// --netns), prints `mesh ready`, writes the run file, and supervises until Ctrl-C/SIGTERM (clean stop, exit 0) or
// until a child dies (its last log lines, everything stopped, exit 1).
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { openCaDirectory } from '@ambient/spiffe';
import { AmbientctlError } from '../errors.js';
import { removeRunFile, writeRunFile, type RunFile } from '../run-file.js';
import { BINS } from './bins.js';
import type { Component } from './component.js';
import { ambientLayout, type AmbientLayout } from './layout.js';
import { loadExample, MESH_SUBDIR } from './load.js';
import { plannedListeners, type UpPlan } from './plan.js';
import { checkAddressesFree, httpGet, tcpAnswers } from './probes.js';
import { ComponentDied, Interrupted, Supervisor } from './supervisor.js';
import { startNetnsMesh } from './netns-mesh.js';
import { writeNodeToken } from './tokens.js';
import { runWalkthrough } from './walkthrough.js';

export interface UpOptions {
  /** The example directory, absolute. */
  readonly dir: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly print: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly walkthrough: boolean;
  /** Run in network namespaces with iptables capture (root) instead of on loopback addresses. */
  readonly netns: boolean;
  /** ambientctl's command names, so the walk-through suggests only commands that exist. */
  readonly commands: readonly string[];
  /** Resolves with the signal's name when the user asks the mesh to stop. */
  readonly stopRequested: Promise<string>;
}

const STARTUP_TIMEOUT_MS = 90_000;

export async function runUp(o: UpOptions): Promise<void> {
  const plan = await loadExample(o.dir);
  // Fresh namespaces have every address free; on loopback another mesh may hold them.
  if (!o.netns) await checkAddressesFree(plannedListeners(plan));
  const layout = ambientLayout(o.cwd);
  for (const dir of [layout.stateDir, layout.tokensDir, layout.logsDir]) await mkdir(dir, { recursive: true });
  const supervisor = new Supervisor({ logsDir: layout.logsDir, env: o.env, cwd: o.cwd, stopRequested: o.stopRequested });
  o.print(`starting the mesh of ${relative(o.cwd, o.dir) || '.'} (component logs in ${relative(o.cwd, layout.logsDir)}/)`);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    await supervisor.stopAll();
    for (const cleanup of cleanups) await cleanup();
    await removeRunFile(layout.runFile);
  };
  try {
    const run = o.netns
      ? await startNetnsMesh(plan, layout, { dir: o.dir, print: o.print, onCleanup: (c) => cleanups.push(c) }, supervisor)
      : await startMesh(plan, layout, o, supervisor);
    await writeRunFile(layout.runFile, run);
    o.print('mesh ready');
    if (o.walkthrough && o.netns) o.print('(the walk-through runs in loopback mode only; try ambientctl exec instead)');
    else if (o.walkthrough && plan.walkthrough) await supervisor.guard(runWalkthrough(plan, { layout, commands: o.commands, exampleDir: relative(o.cwd, o.dir) || '.', print: o.print }));
    o.print('the mesh is running; Ctrl-C stops it');
    await supervisor.trouble;
  } catch (err) {
    if (err instanceof Interrupted) {
      o.print(`stopping the mesh (${err.signal})`);
      await stop();
      o.print('mesh stopped');
      return;
    }
    if (err instanceof ComponentDied) {
      const lines = await err.component.tail(8);
      const log = relative(o.cwd, err.component.logFile);
      // A process killed outright may not have flushed its log.
      o.warn(lines.length === 0 ? `${err.message}; its log ${log} is empty` : `${err.message}; last lines of ${log}:`);
      for (const line of lines) o.warn(`  ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
    }
    await stop();
    if (err instanceof ComponentDied) throw new AmbientctlError('AMBIENTCTL_ERR_UP', `${err.message}, so the mesh was stopped`);
    throw err;
  }
}

async function startMesh(plan: UpPlan, layout: AmbientLayout, o: UpOptions, s: Supervisor): Promise<RunFile> {
  const { grpc, debug } = plan.ambientd;
  // The state directory (mesh CA, token key) is prepared as ambientd would on its first start, so the ztunnels have
  // their root certificate and tokens at once and every process starts together: each spends seconds loading its
  // code, and a ztunnel simply retries xDS until ambientd listens.
  await openCaDirectory(layout.stateDir, { trustDomain: 'cluster.local' });
  const rootCert = join(layout.stateDir, 'root-cert.pem');
  const tokens = new Map<string, string>();
  for (const z of plan.ztunnels) tokens.set(z.node, await writeNodeToken(layout, z.node));
  const ambientd = s.startBin('ambientd', BINS.ambientd, ['--config', join(o.dir, MESH_SUBDIR), '--state-dir', layout.stateDir, '--grpc-listen', grpc, '--debug-listen', debug]);
  const ztunnels: { node: string; component: Component; admin: string; metrics: string; readiness: string }[] = plan.ztunnels.map((z) => {
    const args = ['--node', z.node, '--xds-address', grpc, '--token-file', tokens.get(z.node) ?? '', '--root-cert', rootCert, '--admin-listen', z.admin, '--metrics-listen', z.metrics, '--readiness-listen', z.readiness];
    return { ...z, component: s.startBin(`ztunnel ${z.node}`, BINS.ztunnel, args) };
  });
  const apps = plan.apps.map((a) => ({ app: a, component: s.startBin(`app ${a.workload}`, BINS.ambientctl, ['sample-app', a.kind, '--workload', a.workload, '--listen', a.listen]) }));
  await s.waitFor('ambientd readiness', STARTUP_TIMEOUT_MS, async () => ((await httpGet(debug, '/ready'))?.status === 200 ? true : undefined));
  o.print(`ambientd ready (xDS and CA on ${grpc}, debug on http://${debug}/)`);
  // Reported in node order so the output is the same every run.
  for (const z of ztunnels) {
    await s.waitFor(`ztunnel ${z.node} readiness`, STARTUP_TIMEOUT_MS, async () => ((await httpGet(z.readiness, '/healthz/ready'))?.status === 200 ? true : undefined));
    const local = plan.workloads.filter((w) => w.node === z.node).length;
    o.print(`ztunnel ${z.node} ready (${local} workload${local === 1 ? '' : 's'}, certificates issued)`);
  }
  for (const { app } of apps) {
    await s.waitFor(`app ${app.workload}`, STARTUP_TIMEOUT_MS, async () => ((await tcpAnswers(app.listen)) ? true : undefined));
    o.print(`app ${app.workload} ready (${app.kind} on ${app.listen})`);
  }
  return {
    version: 1,
    dir: o.dir,
    mode: 'loopback',
    startedAt: new Date().toISOString(),
    pid: process.pid,
    ambientd: { pid: ambientd.pid, grpc, debug, stateDir: layout.stateDir, rootCert },
    ztunnels: ztunnels.map((z) => ({ node: z.node, pid: z.component.pid, admin: z.admin, metrics: z.metrics, readiness: z.readiness })),
    workloads: plan.workloads.map((w) => ({ namespace: w.namespace, name: w.name, address: w.address, node: w.node })),
    apps: apps.map(({ app, component }) => ({ workload: app.workload, pid: component.pid, listen: app.listen })),
  };
}
