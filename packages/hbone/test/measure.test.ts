// The bench helpers' echo round trips: sorted times from a real echo, and a clear failure instead of a hang when
// the path closes mid-measurement.
import net, { type AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { echoLatency, tcpDial, waitForQuietMachine } from '../src/testing/index.js';

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
