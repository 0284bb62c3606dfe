// proxy-status offline: golden tables from ambientd's /debug/syncz as recorded from a real ambientd
// (test/golden/syncz.json), replayed over HTTP; the per-type view with NACKED and NOT SENT; broken answers and an
// unreachable ambientd as one sentence with exit 1; the run file's debug address.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyName, proxyStatusTable, shortType, type SyncRow } from '../src/proxy-status/syncz.js';
import { run } from './support/run-cli.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const golden = (name: string): string => readFileSync(join(GOLDEN, name), 'utf8');

/** What the replaying server answers next: the recorded syncz unless a test sets something else. */
let answer: { status: number; body: string } = { status: 200, body: golden('syncz.json') };
let server: http.Server;
let debug: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = req.url === '/debug/syncz' ? answer.body : 'not found';
    res.writeHead(req.url === '/debug/syncz' ? answer.status : 404, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  debug = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

const ps = async (...args: string[]) => {
  const r = await run(['proxy-status', '--debug', debug, ...args]);
  answer = { status: 200, body: golden('syncz.json') };
  return r;
};

describe('proxy-status', () => {
  it('prints NAME CLUSTER ISTIOD VERSION SUBSCRIBED TYPES with WDS and WADS', async () => {
    expect(await ps()).toEqual({ code: 0, out: golden('proxy-status.txt'), err: '' });
  });

  it('prints one column per type with -v 1', async () => {
    expect(await ps('-v', '1')).toEqual({ code: 0, out: golden('proxy-status-v1.txt'), err: '' });
  });

  it('prints the raw syncz list with -o yaml and -o json', async () => {
    expect(await ps('-o', 'yaml')).toEqual({ code: 0, out: golden('proxy-status.yaml'), err: '' });
    const json = await ps('-o', 'json');
    expect(JSON.parse(json.out)).toEqual(JSON.parse(golden('syncz.json')));
  });

  it('answers to ps and finds ambientd through the run file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ambientctl-ps-'));
    mkdirSync(join(dir, '.ambient'));
    writeFileSync(join(dir, '.ambient', 'run.json'), JSON.stringify({ version: 1, ambientd: { debug }, ztunnels: [] }));
    expect(await run(['ps'], {}, dir)).toEqual({ code: 0, out: golden('proxy-status.txt'), err: '' });
  });

  it('shows NACKED, STALE and NOT SENT per type, and fields a control plane may add', () => {
    const rows: SyncRow[] = [
      { id: 'b-1', node: 'ztunnel~1.1.1.1~ztunnel-b.istio-system~istio-system.svc.cluster.local', types: { 'type.googleapis.com/istio.workload.Address': { status: 'NACKED', error: 'bad' } } },
      {
        id: 'a-2',
        node: 'waypoint-a',
        cluster: 'Kubernetes',
        controlPlane: 'ambientd-0',
        version: '1.0',
        types: { 'type.googleapis.com/istio.security.Authorization': { status: 'STALE' }, 'type.googleapis.com/istio.workload.Address': { status: 'SYNCED' } },
      },
    ];
    expect(proxyStatusTable(rows, true)).toEqual({
      headers: ['NAME', 'CLUSTER', 'WADS', 'WDS', 'ISTIOD', 'VERSION'],
      rows: [
        ['waypoint-a', 'Kubernetes', 'STALE', 'SYNCED', 'ambientd-0', '1.0'],
        ['ztunnel-b.istio-system', 'NA', 'NOT SENT', 'NACKED', 'NA', 'NA'],
      ],
    });
    expect(proxyStatusTable(rows, false).rows[0]).toEqual(['waypoint-a', 'Kubernetes', 'ambientd-0', '1.0', '2 (WADS,WDS)']);
  });

  it('names types and proxies as istioctl does', () => {
    expect(shortType('type.googleapis.com/envoy.config.cluster.v3.Cluster')).toBe('CDS');
    expect(shortType('type.googleapis.com/istio.workload.Workload')).toBe('WDS');
    expect(shortType('type.googleapis.com/example.v1.Thing')).toBe('Thing');
    expect(proxyName('ztunnel~10.0.0.1~ztunnel-x.istio-system~istio-system.svc.cluster.local')).toBe('ztunnel-x.istio-system');
    expect(proxyName('plain')).toBe('plain');
  });

  it.each([
    ['not JSON', '<html>', /the sync status from ambientd at .* is not JSON: /],
    ['not a list', '{"id": "x"}', /the sync status from ambientd at .* is not a list of proxies$/],
    ['an entry without types', '[{"id": "x", "node": "y"}]', /the sync status from ambientd at .* has an entry 0 without id, node and types$/],
  ])('says what is wrong when syncz is %s', async (_what, body, message) => {
    answer = { status: 200, body };
    const r = await ps();
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err.trimEnd()).toMatch(message);
  });

  it('passes on what ambientd said when it does not answer 200', async () => {
    answer = { status: 500, body: 'debug handler failed: boom\n' };
    expect(await ps()).toEqual({ code: 1, out: '', err: `ambientctl: ambientd at ${debug} answered 500 to GET /debug/syncz: debug handler failed: boom\n` });
  });

  it('says in one sentence that ambientd is unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await run(['ps', '--debug', `127.0.0.1:${port}`])).toEqual({ code: 1, out: '', err: `ambientctl: cannot reach ambientd at 127.0.0.1:${port} (connection refused): is it running?\n` });
  });

  it('says no local mesh is running, and how to name ambientd instead, without a run file', async () => {
    const r = await run(['ps'], {}, mkdtempSync(join(tmpdir(), 'ambientctl-ps-none-')));
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(/^ambientctl: no local mesh is running \(.*run\.json does not exist\); start one with 'ambientctl up DIR' or pass --debug HOST:PORT\n$/);
  });

  it('exits 2 for a bad verbosity or address', async () => {
    expect(await run(['ps', '-v', '2'])).toEqual({ code: 2, out: '', err: `ambientctl: -v must be 0 or 1, not "2" (see 'ambientctl --help')\n` });
    expect(await run(['ps', '--debug', 'nowhere'])).toEqual({ code: 2, out: '', err: `ambientctl: --debug must be HOST:PORT, not "nowhere" (see 'ambientctl --help')\n` });
  });
});
