// The bench helpers against real processes: echo round trips (sorted times, and a clear failure instead of a hang
// when the path closes mid-measurement), the quiet-machine wait, memory per held connection and CPU by process name.
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { cpuSecondsByName, echoLatency, idleMemoryPerConnection, tcpDial, waitForQuietMachine, waitForSteadyRss } from '../src/testing/index.js';

async function listen(onSocket: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const server = net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

it('times every round trip after the warm-up, sorted', async () => {
  const echo = await listen((s) => s.pipe(s));
  const times = await echoLatency(tcpDial(echo.port), 50, 10);
  expect(times).toHaveLength(50);
  expect(times.every((t, i) => t > 0 && (i === 0 || t >= (times[i - 1] ?? 0)))).toBe(true);
  echo.close();
});

it('runs onTimed once, after the warm-up round trips and before the first timed one', async () => {
  let bytes = 0;
  const echo = await listen((s) =>
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      s.write(d);
    }),
  );
  const seenAtTimed: number[] = [];
  await echoLatency(tcpDial(echo.port), 5, 7, () => seenAtTimed.push(bytes));
  expect(seenAtTimed).toEqual([7]);
  expect(bytes).toBe(12);
  echo.close();
});

it('rejects, naming the round, when the path closes mid-measurement', async () => {
  let seen = 0;
  const flaky = await listen((s) =>
    s.on('data', (d: Buffer) => {
      seen += d.length;
      if (seen > 3) s.destroy();
      else s.write(d);
    }),
  );
  await expect(echoLatency(tcpDial(flaky.port), 10, 0)).rejects.toThrow('echo round trip 3 of 10: the connection closed');
  flaky.close();
});

it('waitForQuietMachine gives the busy share of a second, and gives up after its limit', async () => {
  const started = Date.now();
  // No machine is ever more than 100% idle: this waits out the limit, one-second samples at a time.
  const busy = await waitForQuietMachine(1.01, 1500);
  expect(busy).toBeGreaterThanOrEqual(0);
  expect(busy).toBeLessThanOrEqual(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
}, 10_000);

it('idleMemoryPerConnection reads the growth a held connection costs, from a real process', async () => {
  // An echo that keeps 64 KiB of touched memory per connection for as long as the connection stays open.
  const code = `const k=[];require('net').createServer(c=>{const b=Buffer.alloc(65536,1);k.push(b);c.on('error',()=>{});c.on('close',()=>k.splice(k.indexOf(b),1));c.pipe(c)}).listen(0,'127.0.0.1',function(){process.stdout.write(this.address().port+'\\n')})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve(Number(l))));
    const memory = await idleMemoryPerConnection(tcpDial(port), [child.pid ?? 0], 200);
    for (const perConnection of [memory.first, memory.again]) {
      expect(perConnection).toBeGreaterThan(48 * 1024);
      expect(perConnection).toBeLessThan(256 * 1024);
    }
  } finally {
    child.kill();
  }
}, 30_000);

describe('waitForSteadyRss', () => {
  /** A process that touches 4 MiB more every 100 ms, `steps` times (forever if 0), then says "steady" and idles. */
  const grower = (steps: number) => {
    const code = `const k=[];let n=0;const t=setInterval(()=>{k.push(Buffer.alloc(4<<20,1));if(++n===${steps}){clearInterval(t);process.stdout.write('steady\\n');setInterval(()=>{},1000)}},100)`;
    return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  };

  it('returns only once the process has stopped growing', async () => {
    const child = grower(15);
    let steady = false;
    createInterface({ input: child.stdout! }).once('line', () => (steady = true));
    try {
      await waitForSteadyRss([child.pid ?? 0], 1000);
      expect(steady).toBe(true);
    } finally {
      child.kill();
    }
  }, 30_000);

  it('gives up after its limit for a process that keeps growing', async () => {
    const child = grower(0);
    try {
      expect(await waitForSteadyRss([child.pid ?? 0], 1000, 512 * 1024, 1500)).toBeGreaterThanOrEqual(1500);
    } finally {
      child.kill();
    }
  }, 30_000);
});

describe('cpuSecondsByName', () => {
  it('adds up the CPU of every process with the name, read from /proc', async () => {
    // Two processes named by process.title (prctl PR_SET_NAME: /proc/PID/comm), each burning 300 ms of its own CPU
    // time (not wall time: a busy machine may preempt it), then idle.
    const name = `ambburn${process.pid % 100_000}`;
    const code = `process.title=${JSON.stringify(name)};const c=()=>{const u=process.cpuUsage();return (u.user+u.system)/1000};const t=c();while(c()-t<300);process.stdout.write('burnt\\n');setInterval(()=>{},1000)`;
    const children = [0, 1].map(() => spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] }));
    try {
      await Promise.all(children.map((c) => new Promise((resolve) => createInterface({ input: c.stdout! }).once('line', resolve))));
      const { seconds, processes } = cpuSecondsByName(name);
      expect(processes).toBe(2);
      // 600 ms between them, less /proc's 10-ms ticks rounding down.
      expect(seconds).toBeGreaterThanOrEqual(0.58);
      expect(seconds).toBeLessThan(5);
    } finally {
      for (const c of children) c.kill();
    }
  }, 30_000);

  it('reads nothing for a name no process has', () => {
    expect(cpuSecondsByName('no-such-process-name')).toEqual({ seconds: 0, processes: 0 });
  });
});
