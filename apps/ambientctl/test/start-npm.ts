// `npm start` as a newcomer runs it: the quickstart mesh with the walk-through, then Ctrl-C (SIGINT to the whole
// process group, as a terminal sends it) and a clean exit. Registered by up.e2e.test.ts so meshes never overlap.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunFile } from '../src/index.js';
import { livePids, ROOT, spawnProcess, type Spawned } from './up-process.js';

export function describeNpmStart(): void {
  describe('npm start', () => {
    it('starts the quickstart mesh, walks through it, and stops cleanly on Ctrl-C', async () => {
      const npm = spawnProcess('npm', ['start', '--silent'], ROOT);
      try {
        await npm.waitForOutput('the mesh is running; Ctrl-C stops it', 150_000);
        checkWalkthrough(npm.out());
        await checkCtrlC(npm);
      } finally {
        // A failed check must not leave a mesh running: Ctrl-C the group, as a user would.
        try {
          process.kill(-(npm.child.pid ?? 0), 'SIGINT');
        } catch {
          // already gone
        }
        await npm.closed;
      }
    }, 200_000);
  });
}

function checkWalkthrough(out: string): void {
  const progress = ['ambientd ready', 'ztunnel node-a ready (2 workloads, certificates issued)', 'ztunnel node-b ready (1 workload, certificates issued)', 'app default/echo ready', 'mesh ready'];
  const at = progress.map((p) => out.indexOf(p));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect(at).toEqual([...at].sort((a, b) => a - b));
  expect(out).toMatch(/node-a +spiffe:\/\/cluster\.local\/ns\/default\/sa\/sleep +Available +\d{4}-/);
  expect(out).toMatch(/node-b +spiffe:\/\/cluster\.local\/ns\/default\/sa\/echo +Available/);
  expect(out).toContain('HTTP 200: "hello from default/echo: you are 127.1.1.1, you asked for GET /"');
  expect(out).toContain('src.identity=spiffe://cluster.local/ns/default/sa/sleep');
  expect(out).toContain('dst.identity=spiffe://cluster.local/ns/default/sa/echo  dst.hbone_addr=127.1.2.1:8080');
  expect(out).toContain('refused: SOCKS5 reply 2 (connection not allowed by ruleset)');
  expect(out).toContain('destination ztunnel: allow policies exist, but none allowed');
  expect(out).toContain('default/echo-allow-sleep (ALLOW): no match: rule 0 clause 0: source principal "cluster.local/ns/guest/sa/curl" not in ["cluster.local/ns/default/sa/sleep"]');
  expect(out).toContain('ztunnel node-b: http://127.1.0.2:15020/metrics');
  expect(out).toMatch(/istio_tcp_connections_opened_total\{reporter="destination",source_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/sleep",destination_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/echo",…\} 1/);
  expect(out).toContain('npx ambientctl exec guest/curl -- curl -s http://echo.default.mesh/   # denied');
}

async function checkCtrlC(npm: Spawned): Promise<void> {
  const run = JSON.parse(readFileSync(join(ROOT, '.ambient/run.json'), 'utf8')) as RunFile;
  expect(livePids(run)).toHaveLength(5);
  process.kill(-(npm.child.pid ?? 0), 'SIGINT');
  // npm itself may end by the SIGINT it got (its convention); what matters is that ambientctl drained and left.
  const exit = await npm.exited;
  expect([0, 'SIGINT']).toContain(exit.code ?? exit.signal);
  await npm.closed;
  expect(npm.out()).toMatch(/stopping the mesh \(SIGINT\)\nmesh stopped\n$/);
  expect(npm.err()).toBe('');
  expect(existsSync(join(ROOT, '.ambient/run.json'))).toBe(false);
  expect(livePids(run)).toEqual([]);
}
