// SO_ORIGINAL_DST against the real kernel: iptables REDIRECT inside a throwaway network namespace (needs root, as CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NS = `odst-${process.pid}-${randomBytes(3).toString('hex')}`;
const V4_PORT = 15001; // the listeners' ports inside the fresh namespace, where nothing else listens
const DUAL_PORT = 15002;
const ROOT = new URL('../../../', import.meta.url).pathname;
const CHILD = new URL('./netns-child.ts', import.meta.url).pathname;

function run(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
function inNs(command: string, ...args: string[]): void {
  run('ip', 'netns', 'exec', NS, command, ...args);
}

const CASES = [
  { name: 'redirected v4', listener: 'v4', host: '127.0.99.1', port: 8080 },
  { name: 'plain v4', listener: 'v4', host: '127.0.0.1', port: V4_PORT },
  { name: 'redirected v4 on dual-stack', listener: 'dual', host: '127.0.99.2', port: 8080 },
  { name: 'redirected v6', listener: 'dual', host: '::1', port: 8080 },
  { name: 'plain v6', listener: 'dual', host: '::1', port: DUAL_PORT },
] as const;

let results: Record<string, unknown>;

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error('this test needs root (ip netns, iptables): run it as root, as CI does; it is not skipped on purpose');
  }
  run('ip', 'netns', 'add', NS);
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', '127.0.99.1', '--dport', '8080', '-j', 'REDIRECT', '--to-ports', String(V4_PORT));
  inNs('iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', '127.0.99.2', '--dport', '8080', '-j', 'REDIRECT', '--to-ports', String(DUAL_PORT));
  inNs('ip6tables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', '::1', '--dport', '8080', '-j', 'REDIRECT', '--to-ports', String(DUAL_PORT));
  const child = spawnSync(
    'ip',
    ['netns', 'exec', NS, process.execPath, '--import', `${ROOT}tools/source-loader.mjs`, CHILD, String(V4_PORT), String(DUAL_PORT), JSON.stringify(CASES)],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (child.status !== 0) throw new Error(`namespaced child failed (${child.status}): ${child.stderr}`);
  results = JSON.parse(child.stdout) as Record<string, unknown>;
});

afterAll(() => {
  // Deleting the namespace also drops its iptables rules; runs even when beforeAll failed half-way.
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
});

const EXPECTED = [
  ['redirected v4', 'returns the address an IPv4 client dialled before the redirect',
    { address: '127.0.99.1', port: 8080, family: 4 }, { address: '127.0.0.1', port: V4_PORT }],
  ['redirected v4 on dual-stack', 'uses the IPv4 lookup for an IPv4 client on a dual-stack listener',
    { address: '127.0.99.2', port: 8080, family: 4 }, { address: '::ffff:127.0.0.1', port: DUAL_PORT }],
  ['redirected v6', 'uses the IPv6 lookup for an IPv6 client',
    { address: '::1', port: 8080, family: 6 }, { address: '::1', port: DUAL_PORT }],
  // What the kernel does for a connection conntrack saw but did not rewrite: the socket's own address, not ENOENT.
  ['plain v4', 'returns the socket\'s own address for an IPv4 connection that was not redirected',
    { address: '127.0.0.1', port: V4_PORT, family: 4 }, { address: '127.0.0.1', port: V4_PORT }],
  ['plain v6', 'returns the socket\'s own address for an IPv6 connection that was not redirected',
    { address: '::1', port: DUAL_PORT, family: 6 }, { address: '::1', port: DUAL_PORT }],
] as const;

describe('getOriginalDst under iptables REDIRECT in a network namespace', () => {
  it.each(EXPECTED)('%s: %s', (name, _title, dst, local) => {
    expect(results[name]).toEqual({ dst, local });
  });
});
