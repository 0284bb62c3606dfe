// The observer hook (ztunnel's xDS metrics): each response with its resource bytes, each stream's ending named as
// ztunnel names it, against a Python grpcio server that ends streams every way and against our own server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { status } from '@grpc/grpc-js';
import { addressType, terminationReason, XdsClient, type XdsClientOptions, type XdsObserver } from '../src/index.js';
import { eventually, makeTls, quiet, startGrpc, startPython, startXds, type TestTls } from './harness.js';
import { encodedWorkloadSize, workload } from './fixtures.js';

let tls: TestTls;
const cleanups: (() => unknown)[] = [];
beforeAll(() => void (tls = makeTls()));
afterAll(() => tls.cleanup());
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

type Event = ['message', string, number] | ['terminated', string];

/** An observer that records what it is told, in order. */
function recorder(): { observer: XdsObserver; events: Event[] } {
  const events: Event[] = [];
  return { events, observer: { message: (typeUrl, bytes) => void events.push(['message', typeUrl, bytes]), terminated: (reason) => void events.push(['terminated', reason]) } };
}

function client(address: string, extra: Partial<XdsClientOptions> = {}): XdsClient {
  const c = new XdsClient({ address, tls: { rootPem: tls.rootPem }, logger: quiet, node: { nodeName: 'n', podName: 'p', podNamespace: 'ns' }, types: [{ type: addressType }], backoff: { initialMs: 5, maxMs: 20 }, ...extra });
  cleanups.push(() => c.close());
  return c;
}

describe('the observer', () => {
  it('hears every ending of a Python grpcio server as ztunnel names it, and each response with its resource bytes', async () => {
    const py = await startPython('ads_endings.py', tls);
    cleanups.push(() => py.stop());
    const { observer, events } = recorder();
    const c = client(`127.0.0.1:${py.port}`, { observer });
    await eventually(() => expect(events.filter((e) => e[0] === 'message')).toHaveLength(4), 15_000);
    // What the server says it sent, resource bodies summed on its side.
    const sent = py.lines.map((l) => ['message', l['typeUrl'], l['bytes']]);
    expect(py.lines.map((l) => l['stream'])).toEqual([1, 2, 3, 5]);
    expect(events).toEqual([
      sent[0], ['terminated', 'Complete'], // returned: status OK
      sent[1], ['terminated', 'Error'], // PERMISSION_DENIED after a response
      sent[2], ['terminated', 'Reconnect'], // UNKNOWN, as a server going away
      ['terminated', 'ConnectionError'], // UNAUTHENTICATED before any response headers
      sent[3],
    ]);
    expect(new Set(py.lines.map((l) => l['bytes'])).size).toBe(4);
    expect(c.connectionState().connected).toBe(true);
    expect(c.snapshot(addressType).size).toBe(5);
  }, 30_000);

  it('hears ConnectionError for each attempt against an address where nothing listens, and no message', async () => {
    const s = await startGrpc(tls, () => undefined);
    s.stop();
    const { observer, events } = recorder();
    const c = client(s.address, { observer });
    await eventually(() => expect(c.connectionState().attempts).toBeGreaterThanOrEqual(3));
    c.close();
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(events.map((e) => e.join(' ')))).toEqual(new Set(['terminated ConnectionError']));
  });

  it('hears ConnectionError when the token cannot be read', async () => {
    const { observer, events } = recorder();
    let reads = 0;
    const c = client('127.0.0.1:1', {
      observer,
      token: () => {
        reads++;
        throw new Error('ENOENT: /var/run/secrets/tokens/istio-token');
      },
    });
    await eventually(() => expect(reads).toBeGreaterThanOrEqual(2));
    c.close();
    expect(events.slice(0, 2)).toEqual([['terminated', 'ConnectionError'], ['terminated', 'ConnectionError']]);
  });

  it('counts the bodies of our server\'s resources, and our own close() is no termination', async () => {
    const s = await startXds(tls);
    cleanups.push(() => s.stop());
    const w1 = workload('w1', '10.0.0.1');
    const w2 = workload('w2', '10.0.0.2');
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', w1], ['w2', w2]]));
    const { observer, events } = recorder();
    const c = client(s.address, { observer });
    await c.ready();
    s.xds.remove(ADDRESS_TYPE_URL, 'w2');
    await eventually(() => expect(events).toHaveLength(2));
    c.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([
      ['message', ADDRESS_TYPE_URL, encodedWorkloadSize(w1) + encodedWorkloadSize(w2)],
      ['message', ADDRESS_TYPE_URL, 0], // a removal carries no resource
    ]);
  });

  it('is ignored when it throws: the client still syncs, answers and reconnects', async () => {
    const s = await startXds(tls);
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')]]));
    let calls = 0;
    const throwing: XdsObserver = {
      message: () => {
        calls++;
        throw new Error('observer bug');
      },
      terminated: () => {
        calls++;
        throw new Error('observer bug');
      },
    };
    const c = client(s.address, { observer: throwing });
    await c.ready();
    expect(c.find(addressType, 'w1')).toBeDefined();
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]?.status).toBe('SYNCED'));
    s.stop();
    const again = await startXds(tls, {}, s.port, (xds) => xds.setResources(ADDRESS_TYPE_URL, new Map([['w2', workload('w2', '10.0.0.2')]])));
    cleanups.push(() => again.stop());
    await eventually(() => expect([...c.snapshot(addressType).keys()]).toEqual(['w2']));
    expect(calls).toBeGreaterThanOrEqual(3); // a message, the termination, the next message
  });
});

describe('terminationReason', () => {
  it.each([
    [status.OK, '', true, 'Complete'],
    [status.OK, '', false, 'Complete'],
    [status.UNAVAILABLE, 'No connection established', false, 'ConnectionError'],
    [status.UNKNOWN, 'restarting', false, 'ConnectionError'],
    [status.UNKNOWN, 'restarting', true, 'Reconnect'],
    [status.CANCELLED, 'Cancelled on server', true, 'Reconnect'],
    [status.DEADLINE_EXCEEDED, 'max connection age', true, 'Reconnect'],
    [status.UNAVAILABLE, 'transport is closing', true, 'Reconnect'],
    [status.UNAVAILABLE, 'received prior goaway: code: NO_ERROR', true, 'Reconnect'],
    [status.UNAVAILABLE, 'Connection dropped', true, 'Error'],
    [status.PERMISSION_DENIED, 'not allowed', true, 'Error'],
    [status.INTERNAL, 'Failed to parse server response', true, 'Error'],
  ] as const)('code %i "%s", headers received %s: %s', (code, details, opened, reason) => {
    expect(terminationReason({ code, details }, opened)).toBe(reason);
  });
});
