// The benches' interleaved rounds: every path in turn, round after round, and one median per path.
import { describe, expect, it } from 'vitest';
import { interleaved, median } from '../src/testing/index.js';

describe('median', () => {
  it('takes the middle value, the lower one of an even count, and 0 of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([7])).toBe(7);
    expect(median([])).toBe(0);
  });
});

describe('interleaved', () => {
  it('measures the paths in turn, round after round, and reads each path’s median', async () => {
    const order: string[] = [];
    let n = 0;
    const m = await interleaved(['a', 'b'] as const, 3, async (path) => {
      order.push(path);
      n += 1;
      return { value: path === 'a' ? n : 100 * n };
    });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(m('a', (r) => r.value)).toBe(3); // 1, 3, 5
    expect(m('b', (r) => r.value)).toBe(400); // 200, 400, 600
  });

  it('runs one round when asked for none', async () => {
    const order: string[] = [];
    await interleaved(['x'], 0, async (path) => order.push(path));
    expect(order).toEqual(['x']);
  });
});
