// Network checks `up` makes: that its fixed addresses are free before it starts anything, and that a component
// answers (HTTP 200 on a readiness path, or a TCP connect for a sample app).
import net from 'node:net';
import { AmbientctlError } from '../errors.js';

/** Refuses, in one sentence, if any address is taken or not a usable local address. */
export async function checkAddressesFree(listeners: readonly { address: string; what: string }[]): Promise<void> {
  const results = await Promise.all(listeners.map(async (l) => ({ ...l, problem: await bindProblem(l.address) })));
  const taken = results.filter((r) => r.problem !== undefined);
  if (taken.length === 0) return;
  // Name the first few: when one is taken, usually all are (another mesh is running).
  const list = taken.slice(0, 3).map((t) => `${t.address} (${t.what}) is ${t.problem}`).join(', ');
  const more = taken.length > 3 ? ` and ${taken.length - 3} more` : '';
  throw new AmbientctlError('AMBIENTCTL_ERR_UP', `cannot start the mesh: ${list}${more}; is another mesh running? Stop it with Ctrl-C in its terminal`);
}

function bindProblem(address: string): Promise<string | undefined> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'EADDRINUSE' ? 'in use' : err.code === 'EADDRNOTAVAIL' ? 'not a local address on this machine (Linux routes all of 127.0.0.0/8 to loopback)' : `unusable (${err.message})`);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

/** GETs http://address+path; the status and body, or undefined when nothing answered within `timeoutMs`. */
export async function httpGet(address: string, path: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** True when a TCP connection to the address succeeds. */
export function tcpAnswers(address: string): Promise<boolean> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` every 100 ms until it yields a value, or rejects with the signal's reason once it is aborted. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, signal: AbortSignal): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
