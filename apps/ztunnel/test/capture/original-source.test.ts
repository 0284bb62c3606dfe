// OriginalSource hands out transparent-socket openers only when this process may open them and there is an address
// to keep; the sockets themselves are tested against the kernel in @ambient/original-dst and the netns test.
import { describe, expect, it } from 'vitest';
import { OriginalSource } from '../../src/capture/original-source.js';

describe('OriginalSource', () => {
  it('opens sockets from an address when transparent sockets are available', () => {
    const source = new OriginalSource({ available: true });
    expect(source.enabled).toBe(true);
    expect(source.from('10.1.0.2')).toBeTypeOf('function');
  });

  it('has nothing to keep for the node\'s own address (\'\')', () => {
    expect(new OriginalSource({ available: true }).from('')).toBeUndefined();
  });

  it('is off, with the reason kept, when this process may not open them', () => {
    const source = new OriginalSource({ available: false, reason: 'setsockopt(IP_TRANSPARENT): Operation not permitted' });
    expect(source.enabled).toBe(false);
    expect(source.from('10.1.0.2')).toBeUndefined();
    expect(source.support).toEqual({ available: false, reason: 'setsockopt(IP_TRANSPARENT): Operation not permitted' });
  });
});
