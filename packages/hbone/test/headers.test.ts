// traceparent values HBONE clients send: W3C format, parseable, and never repeated (also across pool refills).
import { describe, expect, it } from 'vitest';
import { newTraceParent, parseTraceParent } from '../src/index.js';

describe('newTraceParent', () => {
  it('gives W3C traceparent values that parse back, all distinct over several refills of its random pool', () => {
    const values = Array.from({ length: 2000 }, () => newTraceParent());
    for (const value of values) {
      expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(parseTraceParent(value)).toMatchObject({ traceId: value.slice(3, 35), parentId: value.slice(36, 52), flags: '00' });
    }
    expect(new Set(values).size).toBe(values.length);
    // Trace and parent ids never reuse each other's bytes.
    expect(new Set(values.flatMap((v) => [v.slice(3, 35), v.slice(36, 52)])).size).toBe(2 * values.length);
  });

  it('rejects malformed and all-zero traceparents', () => {
    expect(parseTraceParent('00-abc-def-00')).toBeUndefined();
    expect(parseTraceParent(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-00`)).toBeUndefined();
    expect(parseTraceParent(`00-${'1'.repeat(32)}-${'0'.repeat(16)}-00`)).toBeUndefined();
    expect(parseTraceParent(undefined)).toBeUndefined();
  });
});
