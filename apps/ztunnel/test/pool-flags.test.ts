// The pool flags reach each workload's HBONE client: with --pool-max-streams-per-connection 1 two live tunnels to
// one destination take two HBONE connections (the default shares one), and --pool-unused-release-timeout closes a
// connection left without tunnels. Two WorkloadProxy instances in-process on loopback.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSleepAndEcho } from './support/in-process.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const SLEEP_IP = '127.0.13.1';
const ECHO_IP = '127.0.23.1';
const PORTS = { hbone: 27008, socks: 27080, plaintext: 27006 };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function mesh(flags: Record<string, string>) {
  const { echo, close } = await startSleepAndEcho({ sleep: SLEEP_IP, echo: ECHO_IP }, PORTS, 8080, flags);
  cleanup.push(close);
  const tunnel = async (payload: string): Promise<net.Socket> => {
    const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_IP, 8080);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, payload)).toBe(payload);
    return socket;
  };
  return { echo, tunnel };
}

describe('pool flags', () => {
  it('shares one HBONE connection between live tunnels by default', async () => {
    const { echo, tunnel } = await mesh({});
    const sockets = [await tunnel('one'), await tunnel('two')];
    expect(echo.endpoint.hbone.sessionCount).toBe(1);
    for (const s of sockets) s.destroy();
  });

  it('opens a connection per tunnel with --pool-max-streams-per-connection 1', async () => {
    const { echo, tunnel } = await mesh({ '--pool-max-streams-per-connection': '1' });
    const sockets = [await tunnel('one'), await tunnel('two')];
    expect(echo.endpoint.hbone.sessionCount).toBe(2);
    for (const s of sockets) s.destroy();
  });

  it('closes a connection left without tunnels after --pool-unused-release-timeout', async () => {
    const { echo, tunnel } = await mesh({ '--pool-unused-release-timeout': '1s' });
    const socket = await tunnel('brief');
    socket.destroy();
    expect(echo.endpoint.hbone.sessionCount).toBe(1);
    await expect.poll(() => echo.endpoint.hbone.sessionCount, { timeout: 5_000, interval: 100 }).toBe(0);
  });
});
