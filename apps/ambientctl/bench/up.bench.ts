// What `ambientctl up` costs a user in time, against baselines measured in the same run: start-up to `mesh ready`
// against ambientd alone reaching /ready (the first thing up waits for), Ctrl-C to exit, and one request through
// `ambientctl exec … curl` against the same curl through the workload's SOCKS5 listener directly.
// Uses the quickstart's fixed addresses: run it when no other mesh (or the ambientctl e2e test) is running.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatRatioTable } from '@ambient/core';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AMBIENTCTL = join(ROOT, 'apps/ambientctl/bin/ambientctl.js');
const AMBIENTD = join(ROOT, 'apps/ambientd/bin/ambientd.js');
const QUICKSTART = join(ROOT, 'examples/quickstart');
const REQUESTS = 5;

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => child.once('exit', () => resolve()));

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const answers = async (url: string): Promise<boolean> => (await fetch(url).catch(() => undefined))?.status === 200;

/** ambientd alone, from spawn to /ready answering 200 (ms). */
async function ambientdAlone(dir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [AMBIENTD, '--config', join(QUICKSTART, 'mesh'), '--state-dir', join(dir, 'state'), '--grpc-listen', '127.1.0.254:15012', '--debug-listen', '127.1.0.254:15014'], { stdio: 'ignore' });
  await until(() => answers('http://127.1.0.254:15014/ready'));
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await exited(child);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed(command: string, args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  await run(command, args, { cwd });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-bench-'));
  try {
    const alone = await ambientdAlone(dir);
    const started = performance.now();
    const up = spawn(process.execPath, [AMBIENTCTL, 'up', QUICKSTART], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    up.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    await until(() => out.includes('mesh ready\n'));
    const ready = performance.now() - started;

    const curl = ['-sS', '-o', '/dev/null', 'http://echo.default.mesh/'];
    const direct: number[] = [];
    const viaExec: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      direct.push(await timed('curl', ['--socks5-hostname', '127.1.1.1:15080', ...curl], dir));
      viaExec.push(await timed(process.execPath, [AMBIENTCTL, 'exec', 'default/sleep', '--', 'curl', ...curl], dir));
    }

    const stopping = performance.now();
    up.kill('SIGINT');
    await exited(up);
    const stopped = performance.now() - stopping;

    console.log(
      formatRatioTable('ambientctl up: start and stop (one run each; ambientd, 2 ztunnels, 1 app)', [
        { name: 'ambientd alone: spawn → /ready', value: alone, unit: 'ms' },
        { name: 'ambientctl up: spawn → mesh ready', value: ready, unit: 'ms' },
        { name: 'ambientctl up: SIGINT → exit', value: stopped, unit: 'ms' },
      ]),
    );
    console.log();
    console.log(
      formatRatioTable(`one HTTP request sleep → echo.default.mesh (median of ${REQUESTS})`, [
        { name: 'curl --socks5-hostname (direct)', value: median(direct), unit: 'ms' },
        { name: 'ambientctl exec -- curl', value: median(viaExec), unit: 'ms' },
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
