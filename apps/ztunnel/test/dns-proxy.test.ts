// The DNS proxy end to end with peers we did not write: ambientd and a ztunnel process with --dns-capture, `dig`
// (BIND's client) asking over UDP and TCP at the sleep workload's address, and dnsmasq as the upstream resolver
// for names outside the mesh. The quickstart mesh, moved to addresses of its own (sleep 127.0.15.1, echo 127.0.25.1).
import { execFile, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOneNodeMesh, type OneNodeMesh } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { startDnsmasq } from './support/dnsmasq.js';

const run = promisify(execFile);
const SLEEP_IP = '127.0.15.1';
const DNS_PORT = 15053;
const UPSTREAM_IP = '127.0.53.1';

let dir: string;
let mesh: OneNodeMesh;
let dnsmasq: ChildProcess;
let upstreamPort: number;


/** dig's answer: status, flags and answer lines (name, ttl, type, data). */
async function dig(name: string, type = 'A', extra: string[] = []): Promise<{ status: string; flags: string; answers: string[][] }> {
  const { stdout } = await run('dig', [`@${SLEEP_IP}`, '-p', String(DNS_PORT), name, type, '+tries=1', '+time=5', '+noall', '+comments', '+answer', ...extra]);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? `no status in:\n${stdout}`;
  const flags = /flags: ([^;]*);/.exec(stdout)?.[1] ?? '';
  const answers = stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(';'))
    .map((l) => l.split(/\s+/).filter((_, i) => i !== 2));
  return { status, flags, answers };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-dns-'));
  const configDir = writeQuickstart(join(dir, 'config'), { '127.0.10.1': SLEEP_IP, '127.0.20.1': '127.0.25.1' });
  writeFileSync(join(configDir, 'namespace-only.yaml'), NAMESPACE_ONLY);
  const upstream = await startDnsmasq(UPSTREAM_IP, ['--address=/outside.example/127.5.5.5', '--txt-record=outside.example,from-dnsmasq'], { name: 'outside.example', answer: '127.5.5.5' });
  dnsmasq = upstream.process;
  upstreamPort = upstream.port;
  mesh = await startOneNodeMesh(configDir, dir, { 'dns-capture': 'true', 'dns-upstream': `${UPSTREAM_IP}:${upstreamPort}` });
}, 300_000);

afterAll(async () => {
  await mesh?.stop();
  dnsmasq?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Two hosts exported to their own namespace only (`exportTo: ['.']`): sleep's namespace's, and another's. */
const NAMESPACE_ONLY = ['default', 'other']
  .map((ns, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: private
  namespace: ${ns}
spec:
  hosts: [private-${ns}.internal]
  addresses: [127.96.0.${30 + i}]
  ports: [{ number: 80, name: http, protocol: HTTP }]
  resolution: STATIC
  exportTo: ['.']
`)
  .join('---\n');

describe('ztunnel --dns-capture, asked by dig', () => {
  it('answers a mesh hostname with its VIP, TTL 30, authoritatively, over UDP and TCP', async () => {
    for (const transport of ['+notcp', '+tcp']) {
      const got = await dig('echo.default.mesh', 'A', [transport]);
      expect(got.status).toBe('NOERROR');
      expect(got.flags.split(' ')).toEqual(expect.arrayContaining(['qr', 'aa', 'rd', 'ra']));
      expect(got.answers).toEqual([['echo.default.mesh.', '30', 'A', '127.96.0.10']]);
    }
  });

  it("answers a host exported to the asker's namespace only, and forwards one exported to another namespace", async () => {
    expect(await dig('private-default.internal')).toMatchObject({ status: 'NOERROR', answers: [['private-default.internal.', '30', 'A', '127.96.0.30']] });
    // dnsmasq has no such name and no upstream of its own: whatever it says, it is not the other namespace's VIP.
    const other = await dig('private-other.internal');
    expect(other.flags.split(' ')).not.toContain('aa');
    expect(other.answers).toEqual([]);
  });

  it('keeps the case the client asked in (0x20 randomisation)', async () => {
    expect((await dig('EcHo.DeFaUlT.MeSh')).answers).toEqual([['EcHo.DeFaUlT.MeSh.', '30', 'A', '127.96.0.10']]);
  });

  it('answers a name built with a search domain with a CNAME to the mesh host', async () => {
    expect((await dig('echo.default.mesh.default.svc.cluster.local')).answers).toEqual([
      ['echo.default.mesh.default.svc.cluster.local.', '30', 'CNAME', 'echo.default.mesh.'],
      ['echo.default.mesh.', '30', 'A', '127.96.0.10'],
    ]);
  });

  it('gives an empty NOERROR for AAAA of a mesh host with only an IPv4 VIP', async () => {
    expect(await dig('echo.default.mesh', 'AAAA')).toMatchObject({ status: 'NOERROR', answers: [] });
  });

  it('forwards other names and other types to the upstream, over the client transport', async () => {
    expect((await dig('www.outside.example')).answers).toEqual([['www.outside.example.', '0', 'A', '127.5.5.5']]);
    expect((await dig('outside.example', 'TXT', ['+tcp'])).answers).toEqual([['outside.example.', '0', 'TXT', '"from-dnsmasq"']]);
    expect(await dig('nowhere.invalid')).toMatchObject({ status: 'REFUSED' });
  });

  it('counts Istio DNS metrics labelled with the asking workload', async () => {
    const text = await (await fetch(`http://${mesh.ztunnel.started['metrics'] ?? ''}/metrics`)).text();
    const line = (name: string, type: string, protocol: string) =>
      text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`request_query_type="${type}"`) && l.includes(`request_protocol="${protocol}"`) && l.includes('source_canonical_service="sleep"'));
    expect(Number(line('istio_dns_requests_total', 'A', 'udp')?.split(' ').at(-1))).toBeGreaterThanOrEqual(4);
    expect(Number(line('istio_dns_upstream_requests_total', 'TXT', 'tcp')?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/istio_dns_upstream_request_duration_seconds_bucket\{[^}]*request_query_type="A"/);
  });

  it('replies FORMERR to a malformed query and keeps serving', async () => {
    const socket = dgram.createSocket('udp4');
    // Header: id 0xbeef, RD, QDCOUNT 1, then a label claiming 70 bytes.
    const bad = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 70, 0x61, 0x62]);
    const reply = await new Promise<Buffer>((resolve) => {
      socket.once('message', resolve);
      socket.send(bad, DNS_PORT, SLEEP_IP);
    });
    socket.close();
    expect([reply.readUInt16BE(0), reply.readUInt8(2) & 0x80, reply.readUInt8(3) & 0x0f]).toEqual([0xbeef, 0x80, 1]);
    expect((await dig('echo.default.mesh')).answers).toHaveLength(1);
  });

  it('closes a TCP client that sends an empty frame', async () => {
    const socket = net.connect({ host: SLEEP_IP, port: DNS_PORT });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(Buffer.from([0, 0]));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(socket.destroyed).toBe(true);
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    dnsmasq.kill();
    await new Promise((resolve) => dnsmasq.once('exit', resolve));
    expect(await dig('www.outside.example')).toMatchObject({ status: 'SERVFAIL', answers: [] });
    let warned: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !warned; i++) {
      warned = mesh.ztunnel.lines().find((l) => l['msg'] === 'DNS query failed upstream');
      if (!warned) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(warned).toMatchObject({ client: 'default/sleep', name: 'www.outside.example', type: 'A', protocol: 'udp' });
  }, 20_000);
});
