// ConvergenceTracker on a scripted sync status and a manual clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '@ambient/xds-server';
import { ConvergenceTracker } from '../src/convergence.js';

const T = 'type.googleapis.com/istio.workload.Address';
const row = (id: string, status: 'SYNCED' | 'NACKED' | 'STALE', nonce: string): SyncStatus => ({ id, node: id, types: { [T]: { status, nonce } } });

afterEach(() => {
  vi.useRealTimers();
});

describe('ConvergenceTracker', () => {
  it('reports once every proxy answered a newer nonce, counting answers per type', () => {
    vi.useFakeTimers();
    let now = 0;
    let rows = [row('a', 'SYNCED', '1'), row('b', 'SYNCED', '1')];
    const seen: [number, number][] = [];
    const tracker = new ConvergenceTracker({ source: { syncStatus: () => rows }, now: () => now, onConverged: (s, p) => seen.push([s, p.get(T) ?? 0]) });
    tracker.changed([T]);
    now = 5;
    rows = [row('a', 'STALE', '2'), row('b', 'SYNCED', '1')];
    vi.advanceTimersByTime(5);
    expect(seen).toEqual([]);
    now = 12;
    rows = [row('a', 'SYNCED', '2'), row('b', 'NACKED', '3')];
    vi.advanceTimersByTime(5);
    expect(seen).toEqual([[0.012, 2]]);
  });

  it('stops waiting for a proxy that left, and gives up on one that never answers', () => {
    vi.useFakeTimers();
    let now = 0;
    let rows = [row('a', 'SYNCED', '1'), row('b', 'SYNCED', '1')];
    const seen: number[] = [];
    const tracker = new ConvergenceTracker({ source: { syncStatus: () => rows }, now: () => now, giveUpMs: 100, onConverged: (s) => seen.push(s) });
    tracker.changed([T]);
    rows = [row('a', 'SYNCED', '1')];
    now = 200;
    vi.advanceTimersByTime(10);
    expect(seen).toEqual([]);
    tracker.changed([T]);
    rows = [];
    vi.advanceTimersByTime(10);
    expect(seen).toEqual([0]);
    tracker.changed([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
