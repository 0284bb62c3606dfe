// Admin and readiness endpoints over real HTTP on loopback (port 0).
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@ambient/core';
import { adminHandler, listenHttp, readinessHandler, type HttpListener } from '../src/admin.js';
import { captureCpuProfile } from '../src/cpu-profile.js';
import { HeapProfiler } from '../src/heap-profile.js';
import { LogLevels } from '../src/log-levels.js';

const open: HttpListener[] = [];
const heaps: HeapProfiler[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  for (const h of heaps.splice(0)) await h.deactivate();
});

async function admin() {
  const levels = new LogLevels(createLogger({ name: 'ztunnel', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }));
  let quits = 0;
  const heap = new HeapProfiler();
  heaps.push(heap);
  const listener = await listenHttp(
    adminHandler({
      configDump: () => ({ workloads: [{ uid: 'u' }], services: [], policies: [], certificates: [] }),
      logLevel: () => levels.describe(),
      setLogLevel: (spec) => levels.apply(spec),
      resetLogLevel: () => levels.reset(),
      quit: () => quits++,
      cpuProfile: captureCpuProfile,
      heap,
    }),
    { host: '127.0.0.1', port: 0 },
    'admin',
  );
  open.push(listener);
  const call = async (path: string, method = 'GET') => {
    const res = await fetch(`http://${listener.address}${path}`, { method });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  return { call, quits: () => quits };
}

describe('admin endpoints', () => {
  it('serves /config_dump as JSON', async () => {
    const { call } = await admin();
    const dump = await call('/config_dump');
    expect(dump.type).toBe('application/json');
    expect(JSON.parse(dump.body)).toEqual({ workloads: [{ uid: 'u' }], services: [], policies: [], certificates: [] });
    expect((await call('/config_dump', 'POST')).status).toBe(405);
  });

  it('prints and changes the log level, refusing unknown levels', async () => {
    const { call } = await admin();
    expect(await call('/logging')).toMatchObject({ status: 200, body: 'current log level is info\n' });
    expect(await call('/logging?level=debug', 'POST')).toMatchObject({ status: 200, body: 'current log level is debug\n' });
    expect(await call('/logging?level=loud', 'POST')).toMatchObject({ status: 400, body: expect.stringMatching(/unknown level "loud"/) as string });
  });

  it('sets levels per module, resets to the start level, and refuses what it cannot apply', async () => {
    const { call } = await admin();
    expect(await call('/logging?level=access:debug,dns:off', 'POST')).toMatchObject({ status: 200, body: 'current log level is info,access=debug,dns=off\n' });
    expect(await call('/logging?level=nosuch:debug', 'POST')).toMatchObject({ status: 400, body: expect.stringMatching(/^unknown module "nosuch": use one of access, dns, xds, proxy\n$/) as string });
    expect(await call('/logging?level=debug&reset', 'POST')).toMatchObject({ status: 400, body: 'give level or reset, not both\n' });
    expect(await call('/logging')).toMatchObject({ body: 'current log level is info,access=debug,dns=off\n' });
    expect(await call('/logging?reset', 'POST')).toMatchObject({ status: 200, body: 'current log level is info\n' });
    expect((await call('/logging?reset', 'PUT')).status).toBe(405);
  });

  it('takes a CPU profile of the process for the seconds asked, one at a time', async () => {
    const { call } = await admin();
    const [first, second] = await Promise.all([call('/debug/pprof/profile?seconds=1&frequency=1000'), call('/debug/pprof/profile?seconds=1')]);
    expect(first).toMatchObject({ status: 200, type: 'application/json' });
    const profile = JSON.parse(first.body) as { nodes: { callFrame: { functionName: string } }[]; samples: number[]; startTime: number; endTime: number };
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.samples.length).toBeGreaterThan(0);
    // V8 times are in microseconds: about the second asked for.
    expect((profile.endTime - profile.startTime) / 1e6).toBeGreaterThanOrEqual(0.9);
    expect(second).toMatchObject({ status: 409, body: 'a CPU profile is already being taken\n' });
  });

  it('samples the heap between activate=true and activate=false, and dumps it only meanwhile', async () => {
    const { call } = await admin();
    expect(await call('/debug/pprof/heap')).toMatchObject({ status: 409, body: expect.stringMatching(/^heap profiling is not active/) as string });
    expect(await call('/debug/pprof/heap/profiling?activate=true')).toMatchObject({ status: 200, body: 'heap profiling is active\n' });
    expect(await call('/debug/pprof/heap/profiling?activate=true')).toMatchObject({ status: 200, body: 'heap profiling is active\n' });
    const kept = Array.from({ length: 2000 }, (_, i) => ({ i, text: `allocation ${i}`.repeat(20) }));
    const dump = await call('/debug/pprof/heap');
    expect(dump).toMatchObject({ status: 200, type: 'application/json' });
    const profile = JSON.parse(dump.body) as { head: { callFrame: { functionName: string } }; samples: { size: number }[] };
    expect(profile.head.callFrame.functionName).toBe('(root)');
    expect(profile.samples.reduce((t, s) => t + s.size, 0)).toBeGreaterThan(0);
    expect(kept).toHaveLength(2000);
    expect((await call('/debug/pprof/heap', 'POST')).status).toBe(405);
    expect(await call('/debug/pprof/heap/profiling?activate=false')).toMatchObject({ status: 200, body: 'heap profiling is inactive\n' });
    expect((await call('/debug/pprof/heap')).status).toBe(409);
  });

  it.each([
    ['', 'activate must be true or false, got nothing'],
    ['?activate=yes', 'activate must be true or false, got "yes"'],
    ['?activate=TRUE', 'got "TRUE"'],
  ])('refuses /debug/pprof/heap/profiling%s', async (query, message) => {
    const { call } = await admin();
    const answer = await call(`/debug/pprof/heap/profiling${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain(message);
    expect((await call('/debug/pprof/heap/profiling?activate=true', 'PUT')).status).toBe(405);
  });

  it.each([
    ['seconds=0', 'seconds must be a whole number from 1 to 300, got "0"'],
    ['seconds=301', 'got "301"'],
    ['seconds=1.5', 'got "1.5"'],
    ['seconds=', 'got ""'],
    ['frequency=5000', 'frequency must be a whole number from 1 to 1000, got "5000"'],
    ['frequency=-1', 'got "-1"'],
  ])('refuses /debug/pprof/profile?%s', async (query, message) => {
    const { call } = await admin();
    const answer = await call(`/debug/pprof/profile?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain(message);
    expect((await call('/debug/pprof/profile?seconds=1', 'POST')).status).toBe(405);
  });

  it('quits on POST /quitquitquit only', async () => {
    const { call, quits } = await admin();
    expect((await call('/quitquitquit')).status).toBe(405);
    expect(quits()).toBe(0);
    expect((await call('/quitquitquit', 'POST')).status).toBe(200);
    expect(quits()).toBe(1);
    expect((await call('/nope')).status).toBe(404);
  });
});

describe('readiness', () => {
  it('answers 503 with what is pending, then 200', async () => {
    let pending = ['xDS not synced', 'certificates: 1 of 2'];
    const listener = await listenHttp(readinessHandler({ pending: () => pending }), { host: '127.0.0.1', port: 0 }, 'readiness');
    open.push(listener);
    const get = async (path: string) => {
      const res = await fetch(`http://${listener.address}${path}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await get('/healthz/ready')).toEqual({ status: 503, body: 'not ready: xDS not synced; certificates: 1 of 2\n' });
    pending = [];
    expect(await get('/healthz/ready')).toEqual({ status: 200, body: 'ready\n' });
    expect((await get('/other')).status).toBe(404);
  });

  it('names the address when it cannot listen', async () => {
    const first = await listenHttp(readinessHandler({ pending: () => [] }), { host: '127.0.0.1', port: 0 }, 'readiness');
    open.push(first);
    const port = Number(first.address.split(':')[1]);
    await expect(listenHttp(readinessHandler({ pending: () => [] }), { host: '127.0.0.1', port }, 'readiness')).rejects.toMatchObject({
      code: 'ZTUNNEL_ERR_LISTEN',
      message: expect.stringMatching(new RegExp(`cannot listen for readiness on 127.0.0.1:${port}: .*EADDRINUSE`)) as string,
    });
  });
});
