// The C baseline of the data-path benchmarks: a stunnel4 pair (client mode → server mode, TLS 1.3, mutual
// certificates from a test CA), each side its own process so its CPU and memory can be read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestCa, issueTestSvid } from '@ambient/spiffe/testing';
import { freePort, waitForPort } from './measure.js';

/** A path under test: where the measuring client connects, and the processes that make it up. */
export interface BenchPath {
  readonly name: string;
  readonly port: number;
  readonly pids: number[];
  stop(): void;
}

/** Writes `client` and `server` certificates (.crt, .key, .ca) for spiffe://cluster.local/ns/bench/sa/<side>. */
export function writeBenchCertificates(dir: string): void {
  const ca = createTestCa();
  for (const side of ['client', 'server']) {
    const m = tlsMaterialFromSvid(issueTestSvid(`spiffe://cluster.local/ns/bench/sa/${side}`, ca));
    writeFileSync(join(dir, `${side}.crt`), m.cert);
    writeFileSync(join(dir, `${side}.key`), m.key);
    writeFileSync(join(dir, `${side}.ca`), m.ca);
  }
}

export function benchPath(name: string, port: number, children: ChildProcess[]): BenchPath {
  return { name, port, pids: children.map((c) => c.pid ?? 0), stop: () => children.forEach((c) => c.kill('SIGKILL')) };
}

/** Where each side of a stunnel pair listens and connects (host:port strings). */
export interface StunnelEnds {
  /** The client side's listener: where the measured traffic enters. */
  readonly clientAccept: string;
  /** The server side's listener, which the client side connects to over TLS 1.3. */
  readonly serverAccept: string;
  /** Where the server side connects in plain TCP. */
  readonly target: string;
}

/**
 * Writes the two stunnel4 configuration files of a pair (mutual TLS 1.3 with the certificates
 * `writeBenchCertificates` left in `dir`, Nagle off on both sockets, as the Node proxies do); `tag` keeps the file
 * names of several pairs apart. Callers start `stunnel4 <file>` wherever each side should run.
 */
export function writeStunnelConfigs(dir: string, ends: StunnelEnds, tag: string): { client: string; server: string } {
  const common = ['foreground = yes', 'pid =', 'debug = 3', 'sslVersionMin = TLSv1.3', 'socket = l:TCP_NODELAY=1', 'socket = r:TCP_NODELAY=1'];
  const conf = (side: string, lines: string[]) => {
    const file = join(dir, `stunnel-${side}-${tag}.conf`);
    writeFileSync(file, [...common, `[${side}]`, ...lines].join('\n') + '\n');
    return file;
  };
  return {
    server: conf('server', [`accept = ${ends.serverAccept}`, `connect = ${ends.target}`, `cert = ${dir}/server.crt`,
      `key = ${dir}/server.key`, `CAfile = ${dir}/server.ca`, 'verifyChain = yes']),
    client: conf('client', ['client = yes', `accept = ${ends.clientAccept}`, `connect = ${ends.serverAccept}`,
      `cert = ${dir}/client.crt`, `key = ${dir}/client.key`, `CAfile = ${dir}/client.ca`, 'verifyChain = yes']),
  };
}

/** A command line: the program, then its arguments. */
export type Argv = readonly [string, ...string[]];

/** The command lines of a stunnel pair between `ends`: writes its configuration files (writeStunnelConfigs) first. */
export function stunnelArgv(dir: string, ends: StunnelEnds, tag: string): { client: Argv; server: Argv } {
  const files = writeStunnelConfigs(dir, ends, tag);
  return { server: ['stunnel4', files.server], client: ['stunnel4', files.client] };
}

/** Starts a stunnel pair on 127.0.0.1 forwarding to target, with the certificates `writeBenchCertificates` left in `dir`. */
export async function stunnelPair(target: { host: string; port: number }, dir: string): Promise<BenchPath> {
  const entry = await freePort();
  const middle = await freePort();
  const argv = stunnelArgv(dir, { clientAccept: `127.0.0.1:${entry}`, serverAccept: `127.0.0.1:${middle}`, target: `${target.host}:${target.port}` }, String(entry));
  const start = ([command, ...args]: Argv): ChildProcess => spawn(command, args, { stdio: 'ignore' });
  const server = start(argv.server);
  const client = start(argv.client);
  await waitForPort(entry);
  await waitForPort(middle);
  return benchPath('stunnel pair', entry, [client, server]);
}
