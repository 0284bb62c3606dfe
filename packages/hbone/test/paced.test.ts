// pacedEcho against real sockets: requests on a schedule, answered when all their bytes are back, the warm-up apart,
// and a clear failure (naming the request) for a path that closes, over-answers or is given nonsense options.
import net, { type AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { pacedEcho, tcpDial } from '../src/testing/index.js';

async function listen(onSocket: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const server = net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

it('times each timed request once its whole answer is back, never faster than the schedule', async () => {
  let received = 0;
  const echo = await listen((s) =>
    s.setNoDelay(true).on('data', (d: Buffer) => {
      received += d.length;
      // Answer in two pieces, so the client must wait for all the bytes.
      s.write(d.subarray(0, 10));
      setTimeout(() => s.write(d.subarray(10)), 1);
    }),
  );
  let receivedAtTimed = -1;
  const r = await pacedEcho(tcpDial(echo.port), { rate: 200, size: 1024, warmupSeconds: 0.05, seconds: 0.1, onTimed: () => (receivedAtTimed = received) });
  expect(receivedAtTimed).toBe(10 * 1024); // 0.05 s at 200/s, all answered before the first timed request
  expect(r.times).toHaveLength(20);
  // Sorted. Had a request been taken as answered at its first 10 bytes, the rest would have been counted against the
  // next request and failed the run as an over-long answer.
  expect(r.times.every((t, i) => t > 0 && (i === 0 || t >= (r.times[i - 1] ?? 0)))).toBe(true);
  expect(received).toBe(30 * 1024);
  // n requests on a 1/rate schedule span at least n-1 intervals.
  expect(r.achievedRate).toBeLessThanOrEqual((200 * 20) / 19);
  echo.close();
});

it('rejects, naming the request, when the path closes mid-run', async () => {
  let seen = 0;
  const flaky = await listen((s) =>
    s.on('data', (d: Buffer) => {
      seen += 1;
      if (seen > 3) s.destroy();
      else s.write(d);
    }),
  );
  await expect(pacedEcho(tcpDial(flaky.port), { rate: 500, size: 8, warmupSeconds: 0, seconds: 1 })).rejects.toThrow('paced request 3 of 500: the connection closed');
  flaky.close();
});

it('rejects an answer with more bytes than the request had', async () => {
  const chatty = await listen((s) => s.on('data', (d: Buffer) => s.write(Buffer.concat([d, d]))));
  await expect(pacedEcho(tcpDial(chatty.port), { rate: 100, size: 16, warmupSeconds: 0, seconds: 1 })).rejects.toThrow('paced request 0 of 100: 16 bytes more than were sent came back');
  chatty.close();
});

it.each([
  { rate: 0, size: 1, warmupSeconds: 0, seconds: 1 },
  { rate: 100, size: 0, warmupSeconds: 0, seconds: 1 },
  { rate: 100, size: 1, warmupSeconds: -1, seconds: 1 },
  { rate: 100, size: 1, warmupSeconds: 0, seconds: Number.NaN },
])('refuses options it cannot schedule: %o', async (options) => {
  await expect(pacedEcho(tcpDial(1), options)).rejects.toThrow('pacedEcho: rate, size and seconds must be positive');
});
