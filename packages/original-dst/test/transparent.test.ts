// Transparent sockets against the real kernel (root, as CI runs): a node namespace and an app namespace joined by a
// veth; the node connects to the app from an address it does not own, the app sees that address, and its replies
// come back because the node marks packets of transparent sockets and routes the mark to itself (the rules ztunnel's
// iptables capture installs). Without the capability, and for an address that is no address, a clear error.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAG = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const NODE_NS = `tsn-${TAG}`;
const APP_NS = `tsa-${TAG}`;
const ROOT = new URL('../../../', import.meta.url).pathname;
const CHILD = new URL('./transparent-child.ts', import.meta.url).pathname;
const FOREIGN = '10.77.0.9';
const APP_IP = '10.78.0.2';

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNode = (...args: string[]): void => void execFileSync('ip', ['netns', 'exec', NODE_NS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });

function child(prefix: readonly string[], source: string): Record<string, unknown> {
  const run = spawnSync('ip', ['netns', 'exec', NODE_NS, ...prefix, process.execPath, '--import', `${ROOT}tools/source-loader.mjs`, CHILD, source, APP_IP, '8080'], { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

let app: ReturnType<typeof spawn> | undefined;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns, iptables): run it as root, as CI does; it is not skipped on purpose');
  ip('netns', 'add', NODE_NS);
  ip('netns', 'add', APP_NS);
  ip('link', 'add', `n${TAG}`, 'netns', NODE_NS, 'type', 'veth', 'peer', 'name', `a${TAG}`, 'netns', APP_NS);
  ip('-n', NODE_NS, 'addr', 'add', '10.78.0.1/24', 'dev', `n${TAG}`);
  ip('-n', APP_NS, 'addr', 'add', `${APP_IP}/24`, 'dev', `a${TAG}`);
  for (const [ns, dev] of [[NODE_NS, `n${TAG}`], [APP_NS, `a${TAG}`]] as const) {
    ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
  ip('-n', APP_NS, 'route', 'add', 'default', 'via', '10.78.0.1');
  inNode('iptables', '-w', '5', '-t', 'mangle', '-A', 'PREROUTING', '-m', 'socket', '--transparent', '-j', 'MARK', '--set-mark', '0x539');
  ip('-n', NODE_NS, 'rule', 'add', 'fwmark', '0x539', 'lookup', '133');
  ip('-n', NODE_NS, 'route', 'add', 'local', '0.0.0.0/0', 'dev', 'lo', 'table', '133');
  app = spawn('ip', ['netns', 'exec', APP_NS, process.execPath, '-e', `require('net').createServer((s)=>s.end('peer '+s.remoteAddress+'\\n')).listen(8080,'${APP_IP}',()=>console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(app.stdout as NodeJS.ReadableStream, 'data');
}, 30_000);

afterAll(() => {
  app?.kill();
  for (const ns of [NODE_NS, APP_NS]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
});

describe('openTransparentSocket', () => {
  it('connects from an address this host does not have, and the peer sees that address', () => {
    expect(child([], FOREIGN)).toMatchObject({ support: { available: true }, local: FOREIGN, said: `peer ${FOREIGN}` });
  });

  it('leaves the port to connect() (IP_BIND_ADDRESS_NO_PORT): only the 4-tuple has to be free', () => {
    // Bound to the address with port 0 still unassigned: connect() picks a port only the 4-tuple must leave free,
    // where bind(2) would have searched for one that no socket on the address holds, TIME_WAIT ones included.
    expect(child([], FOREIGN)).toMatchObject({ bound: { address: FOREIGN, family: 'IPv4', port: 0 } });
  });

  it('says EINVAL for something that is not an IP address', () => {
    expect(child([], 'not-an-ip')).toMatchObject({ error: { code: 'ORIGINAL_DST_ERR_SYSCALL', errno: 22, message: 'cannot open a transparent socket from not-an-ip: inet_pton: Invalid argument' } });
  });

  it('says EPERM, and reports no support, without CAP_NET_ADMIN and CAP_NET_RAW (either allows IP_TRANSPARENT)', () => {
    const got = child(['setpriv', '--bounding-set=-net_admin,-net_raw', '--'], FOREIGN);
    expect(got).toMatchObject({
      support: { available: false, reason: 'setsockopt(IP_TRANSPARENT): Operation not permitted' },
      error: { code: 'ORIGINAL_DST_ERR_SYSCALL', errno: 1, message: `cannot open a transparent socket from ${FOREIGN}: setsockopt(IP_TRANSPARENT): Operation not permitted` },
    });
  });
});
