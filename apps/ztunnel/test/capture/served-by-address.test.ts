// A captured connection from a workload not served yet waits for it (ztunnel: up to 5 s) instead of being dropped:
// it gets the workload the moment it is served, nothing after the timeout, when its socket goes or when ztunnel
// stops; waiting is bounded, and a closing predecessor never removes its successor.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServedByAddress } from '../../src/capture/served-by-address.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ServedByAddress', () => {
  it('answers at once for an address already served', async () => {
    const served = new ServedByAddress<string>();
    served.set('10.1.0.2', 'sleep');
    expect(await served.whenServed('10.1.0.2', 5_000)).toBe('sleep');
    expect(served.waiting).toBe(0);
  });

  it('hands a waiting connection the workload once it is served, within the time', async () => {
    vi.useFakeTimers();
    const served = new ServedByAddress<string>();
    const first = served.whenServed('10.1.0.2', 5_000);
    const second = served.whenServed('10.1.0.2', 5_000);
    const other = served.whenServed('10.1.0.9', 5_000);
    expect(served.waiting).toBe(3);
    vi.advanceTimersByTime(4_000);
    served.set('10.1.0.2', 'sleep');
    expect(await first).toBe('sleep');
    expect(await second).toBe('sleep');
    expect(served.waiting).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(await other).toBeUndefined();
    expect(served.waiting).toBe(0);
  });

  it('gives up after the timeout, and a workload served later does not reach the expired wait', async () => {
    vi.useFakeTimers();
    const served = new ServedByAddress<string>();
    const wait = served.whenServed('10.1.0.2', 5_000);
    vi.advanceTimersByTime(5_000);
    expect(await wait).toBeUndefined();
    served.set('10.1.0.2', 'sleep');
    expect(served.get('10.1.0.2')).toBe('sleep');
    expect(served.waiting).toBe(0);
  });

  it('ends a wait whose connection went away, leaving the others waiting', async () => {
    vi.useFakeTimers();
    const served = new ServedByAddress<string>();
    let stop: (() => void) | undefined;
    const gone = served.whenServed('10.1.0.2', 5_000, (s) => (stop = s));
    const kept = served.whenServed('10.1.0.2', 5_000);
    stop?.();
    expect(await gone).toBeUndefined();
    expect(served.waiting).toBe(1);
    // A second stop after the end is harmless.
    stop?.();
    served.set('10.1.0.2', 'sleep');
    expect(await kept).toBe('sleep');
  });

  it('holds at most maxWaiting connections; one more is answered undefined at once', async () => {
    vi.useFakeTimers();
    const served = new ServedByAddress<string>({ maxWaiting: 2 });
    const held = [served.whenServed('10.1.0.2', 5_000), served.whenServed('10.1.0.3', 5_000)];
    expect(await served.whenServed('10.1.0.4', 5_000)).toBeUndefined();
    expect(served.waiting).toBe(2);
    served.set('10.1.0.2', 'a');
    served.set('10.1.0.3', 'b');
    expect(await Promise.all(held)).toEqual(['a', 'b']);
    // Room again once they are answered.
    const again = served.whenServed('10.1.0.4', 5_000);
    expect(served.waiting).toBe(1);
    served.set('10.1.0.4', 'c');
    expect(await again).toBe('c');
  });

  it('ends every wait when closed and holds none after', async () => {
    const served = new ServedByAddress<string>();
    const wait = served.whenServed('10.1.0.2', 60_000);
    served.close();
    expect(await wait).toBeUndefined();
    expect(await served.whenServed('10.1.0.2', 60_000)).toBeUndefined();
    expect(served.waiting).toBe(0);
  });

  it('deletes an address only for the workload served there, not its successor', () => {
    const served = new ServedByAddress<string>();
    served.set('10.1.0.2', 'old');
    served.set('10.1.0.2', 'new');
    served.delete('10.1.0.2', 'old');
    expect(served.get('10.1.0.2')).toBe('new');
    served.delete('10.1.0.2', 'new');
    expect(served.has('10.1.0.2')).toBe(false);
    expect(served.size).toBe(0);
  });
});
