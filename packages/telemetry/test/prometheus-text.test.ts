// The test parser itself: it must read what Prometheus reads and refuse what Prometheus refuses.
import { describe, expect, it } from 'vitest';
import { parseExposition } from './prometheus-text.js';

describe('parseExposition', () => {
  it('reads help, type, labels with escapes, and values', () => {
    const e = parseExposition(
      ['# HELP x_total Things \\\\ seen', '# TYPE x_total counter', 'x_total{a="1",b="q\\"\\\\\\n"} 3', 'y 2.5 1700000000', ''].join('\n'),
    );
    expect(e.help.get('x_total')).toBe('Things \\ seen');
    expect(e.types.get('x_total')).toBe('counter');
    expect(e.samples).toEqual([
      { name: 'x_total', labels: { a: '1', b: 'q"\\\n' }, labelOrder: ['a', 'b'], value: 3 },
      { name: 'y', labels: {}, labelOrder: [], value: 2.5 },
    ]);
  });

  it.each([
    ['x{a=1} 1', 'without ="'],
    ['x{a="1" 1', 'expected , or }'],
    ['x{a="1",a="2"} 1', 'duplicate label'],
    ['x{a="\\t"} 1', 'bad escape'],
    ['x{a="1"} one', 'bad value'],
    ['x{a="1', 'unterminated'],
    ['# TYPE x countr', 'unknown type'],
    ['{a="1"} 1', 'no metric name'],
  ])('refuses %j', (line, why) => {
    expect(() => parseExposition(line)).toThrow(why);
  });
});
