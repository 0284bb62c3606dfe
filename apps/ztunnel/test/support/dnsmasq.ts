// dnsmasq as an upstream resolver on a loopback address: a peer we did not write, answering only what it is told.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Dnsmasq {
  readonly process: ChildProcess;
  readonly port: number;
}

/** A UDP port free on `host` right now (dnsmasq binds TCP and UDP on it). */
async function freeUdpPort(host: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Starts dnsmasq on `ip` with no resolv.conf and no hosts file, plus `args` (its `--address=`… answers), and resolves
 * once dig asking it for `probe.name` gets `probe.answer`; rejects with dnsmasq's log if it never does.
 */
export async function startDnsmasq(ip: string, args: readonly string[], probe: { readonly name: string; readonly answer: string }): Promise<Dnsmasq> {
  const port = await freeUdpPort(ip);
  const process = spawn('dnsmasq', [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--user=root', '--pid-file=',
    `--listen-address=${ip}`, '--bind-interfaces', `--port=${port}`, ...args,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  process.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));
  for (let i = 0; ; i++) {
    const { stdout } = await run('dig', [`@${ip}`, '-p', String(port), probe.name, '+short', '+tries=1', '+time=1']).catch(() => ({ stdout: '' }));
    if (stdout.trim() === probe.answer) return { process, port };
    if (i > 50) {
      process.kill();
      throw new Error(`dnsmasq did not answer:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
