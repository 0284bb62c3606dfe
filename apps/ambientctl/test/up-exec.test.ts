// `ambientctl exec` against a run file: the proxy environment the command sees, its exit code passed through, and
// the refusals (no mesh, unknown workload, no '--', unknown command). The end-to-end test drives real traffic.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeRunFile, type RunFile } from '../src/index.js';
import { run } from './support/run-cli.js';

/** exec reads only the workloads; the rest of the run file is what up would have written for them. */
const WORKLOADS: RunFile['workloads'] = [
  { namespace: 'default', name: 'sleep', address: '127.1.1.1', node: 'node-a' },
  { namespace: 'guest', name: 'curl', address: '127.1.1.2', node: 'node-a' },
];
const RUN: RunFile = {
  ...{ version: 1, dir: '/x', mode: 'loopback', startedAt: '2026-11-26T00:00:00.000Z', pid: 1, apps: [] },
  ambientd: { pid: 2, grpc: '127.1.0.254:15012', debug: '127.1.0.254:15014', stateDir: '/s', rootCert: '/s/root-cert.pem' },
  ztunnels: [{ node: 'node-a', pid: 3, admin: '127.1.0.1:15000', metrics: '127.1.0.1:15020', readiness: '127.1.0.1:15021' }],
  workloads: WORKLOADS,
};

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'ambientctl-exec-'));
  await writeRunFile(join(cwd, '.ambient/run.json'), RUN);
});

describe('ambientctl exec', () => {
  it("points ALL_PROXY and all_proxy at the workload's SOCKS5 listener and returns the command's exit code", async () => {
    const check = 'test "$ALL_PROXY" = socks5h://127.1.1.2:15080 && test "$all_proxy" = "$ALL_PROXY" && test "$KEEP" = yes && exit 7';
    expect(await run(['exec', 'guest/curl', '--', 'sh', '-c', check], { KEEP: 'yes', PATH: process.env['PATH'] ?? '' }, cwd)).toEqual({ code: 7, out: '', err: '' });
  });

  it('passes flags after -- to the command, not to ambientctl', async () => {
    expect((await run(['exec', 'default/sleep', '--', 'sh', '-c', 'exit 0', '--help'], { PATH: process.env['PATH'] ?? '' }, cwd)).code).toBe(0);
  });

  it('names the known workloads for an unknown one, exit 2', async () => {
    const r = await run(['exec', 'default/nope', '--', 'true'], {}, cwd);
    expect(r.code).toBe(2);
    expect(r.err).toBe("ambientctl: no workload default/nope in the running mesh; known: default/sleep, guest/curl (see 'ambientctl --help')\n");
  });

  it("refuses a command without '--', exit 2", async () => {
    const r = await run(['exec', 'default/sleep', 'curl'], {}, cwd);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ambientctl: exec needs the command after '--', e\.g\. ambientctl exec default\/sleep -- curl/);
    expect((await run(['exec', 'default/sleep', '--'], {}, cwd)).code).toBe(2);
  });

  it('says no mesh is running without a run file, exit 1', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ambientctl-exec-'));
    const r = await run(['exec', 'default/sleep', '--', 'true'], {}, empty);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ambientctl: no local mesh is running \(.*\.ambient\/run\.json does not exist\); start one with 'ambientctl up DIR'/);
  });

  it('exits 127 for a command that does not exist', async () => {
    const r = await run(['exec', 'default/sleep', '--', 'no-such-command-here'], { PATH: '/nonexistent' }, cwd);
    expect(r).toEqual({ code: 127, out: '', err: 'ambientctl: cannot run no-such-command-here: command not found\n' });
  });
});
