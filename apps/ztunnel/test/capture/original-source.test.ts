// Whether ztunnel preserves the source, per --preserve-source and what a probe bind says, and the socket openers it
// hands out; the sockets themselves are tested against the kernel in @ambient/original-dst and the netns test.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, hasCode } from '@ambient/core';
import { OriginalSource, originalSourceFor } from '../../src/capture/original-source.js';

const ALLOWED = () => ({ available: true }) as const;
const REFUSED = () => ({ available: false, reason: 'setsockopt(IP_TRANSPARENT): Operation not permitted' }) as const;

function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    name: 'ztunnel',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { log, lines };
}

describe('originalSourceFor', () => {
  it('preserves with auto or true when transparent sockets are allowed', () => {
    for (const mode of ['auto', 'true'] as const) expect(originalSourceFor(mode, logger().log, ALLOWED)).toBeInstanceOf(OriginalSource);
  });

  it('with auto and no permission, warns with the reason and leaves from the node', () => {
    const { log, lines } = logger();
    expect(originalSourceFor('auto', log, REFUSED)).toBeUndefined();
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', reason: 'setsockopt(IP_TRANSPARENT): Operation not permitted' })]);
  });

  it('with true and no permission, refuses to start, naming the reason', () => {
    let caught: unknown;
    try {
      originalSourceFor('true', logger().log, REFUSED);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'ZTUNNEL_ERR_CAPTURE')).toBe(true);
    expect((caught as Error).message).toBe('--preserve-source true needs transparent sockets: setsockopt(IP_TRANSPARENT): Operation not permitted');
  });

  it('with false never probes and never preserves', () => {
    expect(originalSourceFor('false', logger().log, () => { throw new Error('probed'); })).toBeUndefined();
  });
});

describe('OriginalSource', () => {
  it('opens sockets from an address, and has nothing to keep for the node\'s own (\'\')', () => {
    const source = new OriginalSource();
    expect(source.from('10.1.0.2')).toBeTypeOf('function');
    expect(source.from('')).toBeUndefined();
  });
});
