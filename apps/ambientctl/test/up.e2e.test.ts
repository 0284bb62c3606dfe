// End to end with real processes, one mesh at a time (fixed addresses): `ambientctl up examples/quickstart` in a
// temporary directory → mesh ready → curl through `exec` allowed and denied → node-b's metrics → the README tour →
// SIGINT → exit 0 with nothing left behind; a child that dies brings the mesh down with exit 1; the same example in
// network namespaces (--netns); then `npm start`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../src/index.js';
import { readmeTour } from './readme-tour.js';
import { describeNpmStart } from './start-npm.js';
import { ambientctl, livePids, ROOT, spawnAmbientctl, type Spawned } from './up-process.js';

const exec = promisify(execFile);
const QUICKSTART = join(ROOT, 'examples/quickstart');
const STARTUP_MS = 150_000;


async function startMesh(cwd: string): Promise<{ up: Spawned; run: RunFile }> {
  const up = spawnAmbientctl(['up', QUICKSTART], cwd);
  try {
    // The line after 'mesh ready', so the whole start-up output is there.
    await up.waitForOutput('the mesh is running; Ctrl-C stops it\n', STARTUP_MS);
  } catch (err) {
    up.child.kill('SIGINT');
    await up.exited;
    throw err;
  }
  return { up, run: JSON.parse(readFileSync(join(cwd, '.ambient/run.json'), 'utf8')) as RunFile };
}

describe('ambientctl up examples/quickstart', () => {
  let cwd: string;
  let up: Spawned;
  let run: RunFile;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-e2e-'));
    // The README's tour names examples/ relative to the repository root.
    symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
    ({ up, run } = await startMesh(cwd));
  }, STARTUP_MS + 10_000);

  afterAll(async () => {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
  });

  it('prints progress, then mesh ready, and records every component in .ambient/run.json', () => {
    expect(up.out().split('\n')).toEqual([
      expect.stringMatching(/^starting the mesh of .*examples\/quickstart \(component logs in \.ambient\/logs\/\)$/),
      'ambientd ready (xDS and CA on 127.1.0.254:15012, debug on http://127.1.0.254:15014/)',
      expect.stringMatching(/^ztunnel node-[ab] ready/),
      expect.stringMatching(/^ztunnel node-[ab] ready/),
      'app default/echo ready (http-echo on 127.1.2.1:8080)',
      'mesh ready',
      'the mesh is running; Ctrl-C stops it',
      '',
    ]);
    expect(up.out()).toContain('ztunnel node-a ready (2 workloads, certificates issued)');
    expect(up.out()).toContain('ztunnel node-b ready (1 workload, certificates issued)');
    expect(run).toMatchObject({ version: 1, dir: QUICKSTART, mode: 'loopback', pid: up.child.pid, ambientd: { grpc: '127.1.0.254:15012', debug: '127.1.0.254:15014' } });
    expect(run.ztunnels.map((z) => [z.node, z.admin, z.metrics, z.readiness])).toEqual([
      ['node-a', '127.1.0.1:15000', '127.1.0.1:15020', '127.1.0.1:15021'],
      ['node-b', '127.1.0.2:15000', '127.1.0.2:15020', '127.1.0.2:15021'],
    ]);
    expect(run.apps).toMatchObject([{ workload: 'default/echo', listen: '127.1.2.1:8080' }]);
    expect(livePids(run)).toHaveLength(5);
    expect(existsSync(join(cwd, '.ambient/logs/ztunnel-node-b.log'))).toBe(true);
  });

  it('lets default/sleep reach echo.default.mesh with curl through exec', async () => {
    const r = await ambientctl(['exec', 'default/sleep', '--', 'curl', '-sS', '--max-time', '10', 'http://echo.default.mesh/'], cwd);
    expect(r).toEqual({ code: 0, stdout: 'hello from default/echo: you are 127.1.1.1, you asked for GET /\n', stderr: '' });
  });

  it('denies guest/curl: curl reports the SOCKS5 refusal and exec passes its exit code on', async () => {
    const r = await ambientctl(['exec', 'guest/curl', '--', 'curl', '-sS', '--max-time', '10', 'http://echo.default.mesh/'], cwd);
    expect(r.code).toBe(97);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/SOCKS5/);
  });

  it("counts the allowed connection on node-b's /metrics with both principals", async () => {
    const metrics = await (await fetch(`http://${run.ztunnels[1]?.metrics ?? ''}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('istio_tcp_connections_opened_total{') && l.includes('reporter="destination"'));
    expect(line).toContain('source_principal="spiffe://cluster.local/ns/default/sa/sleep"');
    expect(line).toContain('destination_principal="spiffe://cluster.local/ns/default/sa/echo"');
    expect(line).toContain('connection_security_policy="mutual_tls"');
  });

  it('refuses a second mesh at once, naming an address in use, and leaves the first one running', async () => {
    const other = await mkdtemp(join(tmpdir(), 'ambientctl-up-e2e-'));
    const r = await ambientctl(['up', QUICKSTART], other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ambientctl: cannot start the mesh: 127\.1\.0\.254:15012 \(ambientd xDS\/CA\) is in use, .* more; is another mesh running\?/);
    expect(existsSync(join(other, '.ambient/run.json'))).toBe(false);
    expect(livePids(run)).toHaveLength(5);
  });

  it("runs the README's tour lines", async () => {
    const tour = readmeTour();
    expect(tour[0]?.command).toBe('npx ambientctl up examples/quickstart');
    for (const step of tour.slice(1)) {
      const [npx, name, ...args] = step.command.split(/ +/);
      expect([npx, name]).toEqual(['npx', 'ambientctl']);
      const r = await ambientctl(args, cwd);
      expect({ line: step.line, failed: r.code !== 0 }, `${r.stdout}${r.stderr}`).toEqual({ line: step.line, failed: step.expectFailure });
    }
  }, 120_000);

  it('stops on SIGINT: ztunnels first, exit 0, run.json removed, no process left', async () => {
    up.child.kill('SIGINT');
    expect(await up.exited).toEqual({ code: 0, signal: null });
    await up.closed;
    expect(up.out()).toMatch(/stopping the mesh \(SIGINT\)\nmesh stopped\n$/);
    expect(up.err()).toBe('');
    expect(existsSync(join(cwd, '.ambient/run.json'))).toBe(false);
    expect(livePids(run)).toEqual([]);
    // ambientd got its SIGTERM only after both ztunnels had drained.
    const when = (file: string, msg: string): number =>
      Math.max(...readFileSync(join(cwd, '.ambient/logs', file), 'utf8').split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => Date.parse((JSON.parse(l) as { time: string }).time)));
    expect(when('ambientd.log', 'shutting down')).toBeGreaterThanOrEqual(Math.max(when('ztunnel-node-a.log', 'drained'), when('ztunnel-node-b.log', 'drained')));
  }, 30_000);
});

describe('a component that dies', () => {
  it("brings the mesh down with exit 1 and the component's last log lines", async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-e2e-'));
    const { up, run } = await startMesh(cwd);
    const nodeB = run.ztunnels.find((z) => z.node === 'node-b');
    // SIGTERM, not SIGKILL: the ztunnel drains and flushes its log, so there are last lines to show.
    process.kill(nodeB?.pid ?? 0, 'SIGTERM');
    expect(await up.exited).toEqual({ code: 1, signal: null });
    await up.closed;
    expect(up.err()).toMatch(/^ztunnel node-b exited unexpectedly \(exit code 0\); last lines of \.ambient\/logs\/ztunnel-node-b\.log:\n {2}\S.*\n/);
    expect(up.err()).toContain('"msg":"drained"');
    expect(up.err()).toMatch(/\nambientctl: ztunnel node-b exited unexpectedly \(exit code 0\), so the mesh was stopped\n$/);
    expect(existsSync(join(cwd, '.ambient/run.json'))).toBe(false);
    expect(livePids(run)).toEqual([]);
  }, STARTUP_MS + 30_000);
});

describe('ambientctl up --netns (root, as CI runs; fails rather than skips without it)', () => {
  it('runs the quickstart in network namespaces with iptables capture: exec allowed and denied, then a clean stop', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-e2e-'));
    // A hosts file left by a run that was killed outright: its namespace is gone, so up removes it.
    const stale = '/etc/netns/ambup-1-000000-default-sleep';
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'hosts'), '127.0.0.1 localhost\n');
    const up = spawnAmbientctl(['up', QUICKSTART, '--netns'], cwd);
    try {
      await up.waitForOutput('mesh ready\n', STARTUP_MS);
      const run = JSON.parse(readFileSync(join(cwd, '.ambient/run.json'), 'utf8')) as RunFile;
      expect(run.mode).toBe('netns');
      expect(run.ambientd.netns).toMatch(/^ambup-\d+-[0-9a-f]+-cp$/);
      expect(run.ztunnels.map((z) => z.netns)).toEqual([expect.stringMatching(/-node-a$/), expect.stringMatching(/-node-b$/)]);
      expect(existsSync(stale)).toBe(false);
      const sleep = run.workloads.find((w) => w.name === 'sleep');
      expect(sleep?.address).toMatch(/^10\.1\.\d+\.2$/);
      expect(up.out()).toMatch(/ztunnel node-b ready \(1 workload, certificates issued, iptables capture in ambup-\d+-[0-9a-f]+-node-b\)/);
      // No proxy: curl dials the name (the namespace's hosts file) and the node's ztunnel captures the connection.
      const allowed = await ambientctl(['exec', 'default/sleep', '--', 'curl', '-sS', '--max-time', '10', 'http://echo.default.mesh/'], cwd);
      // echo sees sleep's own address: ztunnel preserves the source end to end (transparent sockets).
      expect(allowed).toMatchObject({ code: 0, stdout: `hello from default/echo: you are ${sleep?.address ?? ''}, you asked for GET /\n` });
      const denied = await ambientctl(['exec', 'guest/curl', '--', 'curl', '-sS', '--max-time', '10', 'http://echo.default.mesh/'], cwd);
      expect(denied.code).not.toBe(0);
      expect(denied.stdout).toBe('');
      // The admin and debug ports are on each namespace's own loopback: the inspection commands ask from inside.
      const workloads = await ambientctl(['ztunnel-config', 'workloads', '--node', 'node-b'], cwd);
      expect(workloads).toMatchObject({ code: 0, stderr: '' });
      expect(workloads.stdout).toMatch(/^default\s+echo\s+10\.2\.\d+\.2\s+node-b\s+None\s+HBONE$/m);
      const status = await ambientctl(['proxy-status'], cwd);
      expect(status).toMatchObject({ code: 0, stderr: '' });
      expect(status.stdout).toMatch(/^ztunnel-node-a\.istio-system\s+Kubernetes\s+ambientd\s+\S+\s+2 \(WDS,WADS\)$/m);
      expect(status.stdout).toMatch(/^ztunnel-node-b\.istio-system\s/m);
      up.child.kill('SIGINT');
      expect(await up.exited).toEqual({ code: 0, signal: null });
      await up.closed;
      expect(up.err()).toBe('');
      expect(livePids(run)).toEqual([]);
      const namespaces = await exec('ip', ['netns', 'list']);
      expect(namespaces.stdout).not.toContain(`ambup-${up.child.pid}-`);
      expect(existsSync(`/etc/netns/${sleep?.netns ?? ''}`)).toBe(false);
    } finally {
      if (up.child.exitCode === null) up.child.kill('SIGINT');
      await up.closed;
    }
  }, STARTUP_MS + 60_000);
});

describeNpmStart();
