// examples/native-service run as its README says, with real processes: `ambientctl up examples/native-service`, then
// the example's service.ts (its own SVID, HBONE on 127.1.3.1:15008, a call to echo); sleep reaches it through
// `exec … curl`, guest/curl is refused, and Ctrl-C stops both with nothing left behind. Fails if the example rots.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../src/index.js';
import { ambientctl, livePids, ROOT, spawnAmbientctl, spawnProcess, type Spawned } from './up-process.js';

const EXAMPLE = join(ROOT, 'examples/native-service');
const STARTUP_MS = 150_000;
const SLEEP_ID = 'spiffe://cluster.local/ns/default/sa/sleep';
const NATIVE_ID = 'spiffe://cluster.local/ns/default/sa/native';
const ECHO_ID = 'spiffe://cluster.local/ns/default/sa/echo';
const CURL_ID = 'spiffe://cluster.local/ns/guest/sa/curl';
/** What the README tells a reader to type and what it says they will see. */
const README = {
  service: 'node --import ./tools/source-loader.mjs examples/native-service/service.ts',
  allowed: 'npx ambientctl exec default/sleep -- curl -s http://native.default.mesh/',
  allowedAnswer: `hello from default/native: you are ${SLEEP_ID}`,
  denied: 'npx ambientctl exec guest/curl -- curl -s http://native.default.mesh/',
  echoAnswer: 'native: echo answered: hello from default/echo: you are 127.1.3.1, you asked for GET /',
};


/**
 * The first access-log line ('connection complete') of one node's ztunnel that `match` accepts. ztunnel writes its
 * log asynchronously, so the line may land a moment after the connection ended: wait for it.
 */
async function accessLine(cwd: string, node: string, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = readFileSync(join(cwd, `.ambient/logs/ztunnel-${node}.log`), 'utf8');
    const lines = text.split('\n').filter((l) => l.includes('"msg":"connection complete"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const found = lines.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching access-log line of ztunnel ${node} within 10 s:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGINT to a process, as Ctrl-C in its terminal; resolves with its exit once its output is closed. */
async function interrupt(p: Spawned): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGINT');
  const exit = await p.exited;
  await p.closed;
  return exit;
}

describe('examples/native-service: a Node service in the mesh with no proxy', () => {
  let cwd: string;
  let up: Spawned | undefined;
  let service: Spawned | undefined;
  let run: RunFile | undefined;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'ambientctl-native-service-'));
    up = spawnAmbientctl(['up', EXAMPLE], cwd);
    await up.waitForOutput('the mesh is running; Ctrl-C stops it\n', STARTUP_MS);
    run = JSON.parse(readFileSync(join(cwd, '.ambient/run.json'), 'utf8')) as RunFile;
    // The README's command, with absolute paths: the service reads .ambient/run.json from its working directory.
    service = spawnProcess(process.execPath, ['--import', join(ROOT, 'tools/source-loader.mjs'), join(EXAMPLE, 'service.ts')], cwd);
    await service.waitForOutput('native: ready; Ctrl-C stops it\n', 60_000);
  }, STARTUP_MS + 70_000);

  afterAll(async () => {
    // Whatever a failed check left running: the service first, then the mesh (which stops its own children).
    for (const p of [service, up]) if (p !== undefined) await interrupt(p);
    if (run !== undefined) for (const pid of livePids(run)) process.kill(pid, 'SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  it('the README gives the commands and answers this test checks', () => {
    const readme = readFileSync(join(EXAMPLE, 'README.md'), 'utf8');
    expect(readme).toContain('npx ambientctl up examples/native-service');
    for (const text of Object.values(README)) expect(readme).toContain(text);
    expect(README.service).toContain('examples/native-service/service.ts');
  });

  it('starts the mesh without a ztunnel for native: two nodes, sleep/curl and echo only', () => {
    expect(run?.ztunnels.map((z) => z.node)).toEqual(['node-a', 'node-b']);
    expect(run?.workloads.map((w) => `${w.namespace}/${w.name}@${w.node}`)).toEqual(['default/echo@node-b', 'default/sleep@node-a', 'guest/curl@node-a']);
  });

  it("gets its own certificate, serves HBONE, and prints echo's answer to its call", async () => {
    const out = service?.out() ?? '';
    expect(out).toMatch(new RegExp(`^native: certificate for ${NATIVE_ID}, valid until \\d{4}-`, 'm'));
    expect(out).toContain(`native: serving HBONE on 127.1.3.1:15008 as ${NATIVE_ID}\n`);
    expect(out).toContain(`${README.echoAnswer}\n`);
    expect(service?.err()).toBe('');
    // echo's ztunnel let it in on native's own identity and address.
    expect(await accessLine(cwd, 'node-b', (l) => l['src.identity'] === NATIVE_ID)).toMatchObject({
      direction: 'inbound', 'src.workload': 'native', 'src.addr': expect.stringMatching(/^127\.1\.3\.1:/), 'dst.identity': ECHO_ID, 'dst.hbone_addr': '127.1.2.1:8080',
    });
  });

  it("answers default/sleep's curl through exec with sleep's identity, over node-a's ztunnel", async () => {
    const r = await ambientctl(['exec', 'default/sleep', '--', 'curl', '-sS', '--max-time', '10', 'http://native.default.mesh/'], cwd);
    expect(r).toEqual({ code: 0, stdout: `${README.allowedAnswer}\n`, stderr: '' });
    expect(service?.out()).toContain(`native: tunnel from ${SLEEP_ID} to 127.1.3.1:8080\n`);
    expect(await accessLine(cwd, 'node-a', (l) => l['dst.workload'] === 'native' && l['src.identity'] === SLEEP_ID)).toMatchObject({
      direction: 'outbound', 'dst.addr': '127.1.3.1:15008', 'dst.service': 'native.default.mesh', 'dst.identity': NATIVE_ID,
    });
  });

  it('refuses guest/curl: the service answers 401 and curl reports the SOCKS5 refusal', async () => {
    const r = await ambientctl(['exec', 'guest/curl', '--', 'curl', '-sS', '--max-time', '10', 'http://native.default.mesh/'], cwd);
    expect(r.code).toBe(97);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/SOCKS5/);
    expect(service?.out()).toContain(`native: refused ${CURL_ID}: not an allowed caller\n`);
    const line = await accessLine(cwd, 'node-a', (l) => l['src.identity'] === CURL_ID);
    expect(line['error']).toMatch(/answered http status: 401/);
  });

  it('stops on Ctrl-C: the service drains and exits 0, then the mesh, with no process left', async () => {
    if (service === undefined || up === undefined || run === undefined) throw new Error('beforeAll did not start the service and the mesh');
    expect(await interrupt(service)).toEqual({ code: 0, signal: null });
    expect(service.out()).toMatch(/native: stopping \(SIGINT\)\nnative: stopped\n$/);
    expect(await interrupt(up)).toEqual({ code: 0, signal: null });
    expect(up.err()).toBe('');
    expect(existsSync(join(cwd, '.ambient/run.json'))).toBe(false);
    expect(livePids(run)).toEqual([]);
  }, 30_000);
});
