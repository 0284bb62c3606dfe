// The supervisor with real child processes (node -e scripts): a child dying during a wait, a wait that times out,
// a stop request, and a child that ignores SIGTERM being killed after the deadline; the order of the stop.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComponentDied, Interrupted, Supervisor } from '../src/up/supervisor.js';

const never = new Promise<string>(() => undefined);
const node = (script: string): string[] => ['-e', script];

async function supervisor(stopRequested: Promise<string> = never, stopDeadlineMs?: number): Promise<{ s: Supervisor; logsDir: string }> {
  const logsDir = await mkdtemp(join(tmpdir(), 'ambientctl-supervisor-'));
  const s = new Supervisor({ logsDir, env: { PATH: process.env['PATH'] ?? '' }, cwd: logsDir, stopRequested, ...(stopDeadlineMs === undefined ? {} : { stopDeadlineMs }) });
  return { s, logsDir };
}

describe('Supervisor', () => {
  it('fails a wait with ComponentDied when a child exits, and keeps its output in its log', async () => {
    const { s, logsDir } = await supervisor();
    const child = s.start('app x/y', node('console.error("cannot bind"); process.exit(3)'));
    const err = await s.waitFor('never', 10_000, async () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComponentDied);
    expect((err as ComponentDied).message).toBe('app x/y exited unexpectedly (exit code 3)');
    expect(await child.tail(5)).toEqual(['cannot bind']);
    expect(await readFile(join(logsDir, 'app-x-y.log'), 'utf8')).toBe('cannot bind\n');
    expect(s.signal.aborted).toBe(true);
  });

  it('starts a bin with the node flags its shebang names', async () => {
    const { s, logsDir } = await supervisor();
    const bin = join(logsDir, 'flagged.mjs');
    await writeFile(bin, '#!/usr/bin/env -S node --no-warnings --max-semi-space-size=8\nconsole.log(JSON.stringify([process.execArgv, process.argv.slice(2)]));\n');
    const child = s.startBin('app f/g', bin, ['--listen', '127.0.0.1:0']);
    await child.exited;
    expect(JSON.parse((await child.tail(1))[0] ?? '')).toEqual([['--no-warnings', '--max-semi-space-size=8'], ['--listen', '127.0.0.1:0']]);
  });

  it('names what did not happen when a wait times out', async () => {
    const { s } = await supervisor();
    await expect(s.waitFor('ztunnel node-a readiness', 300, async () => undefined)).rejects.toThrow('ztunnel node-a readiness did not happen within 0.3 s');
  });

  it('turns a stop request into Interrupted, and stops children without reporting them as dead', async () => {
    let stop!: (signal: string) => void;
    const { s } = await supervisor(new Promise((resolve) => (stop = resolve)));
    const child = s.start('ambientd', node('setInterval(() => {}, 1000)'));
    stop('SIGINT');
    await expect(s.trouble).rejects.toBeInstanceOf(Interrupted);
    await s.stopAll();
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('SIGKILLs a child that ignores SIGTERM after the deadline, and stops ztunnels before the rest', async () => {
    const { s } = await supervisor(never, 500);
    const stubborn = s.start('app s/t', node('process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'));
    const ambientd = s.start('ambientd', node('setInterval(() => {}, 1000)'));
    const ztunnel = s.start('ztunnel node-a', node('process.on("SIGTERM", () => setTimeout(() => process.exit(0), 200)); setInterval(() => {}, 1000)'));
    // Let every child install its handlers.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const order: string[] = [];
    for (const c of [stubborn, ambientd, ztunnel]) void c.exited.then(() => order.push(c.name));
    await s.stopAll();
    expect(await stubborn.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await ztunnel.exited).toEqual({ code: 0, signal: null });
    // ambientd would have gone first (it exits at once on SIGTERM) had it not waited for the slow ztunnel.
    expect(order).toEqual(['ztunnel node-a', 'ambientd', 'app s/t']);
  });
});
