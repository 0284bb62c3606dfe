import { describe, expect, it } from 'vitest';
import { AmbientError, hasCode } from '../src/index.js';

class DemoError extends AmbientError<'DEMO_ERR_BAD' | 'DEMO_ERR_WORSE'> {
  static override readonly family: string = 'DEMO';
}
class OtherError extends AmbientError<'OTHER_ERR_X'> {
  static override readonly family: string = 'OTHER';
}

describe('AmbientError', () => {
  it('keeps code, name, message and cause', () => {
    const cause = new Error('root');
    const err = new DemoError('DEMO_ERR_BAD', 'the thing is bad: check the flag', { cause });
    expect(err.code).toBe('DEMO_ERR_BAD');
    expect(err.name).toBe('DemoError');
    expect(err.message).toBe('the thing is bad: check the flag');
    expect(err.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: 'DemoError', code: 'DEMO_ERR_BAD', message: 'the thing is bad: check the flag' });
  });

  it('instanceof checks the family brand, not the constructor identity', () => {
    const err = new DemoError('DEMO_ERR_BAD', 'x');
    expect(err instanceof DemoError).toBe(true);
    expect(err instanceof AmbientError).toBe(true);
    expect(err instanceof OtherError).toBe(false);
    expect(err instanceof Error).toBe(true);
    // A second copy of the class (as when source and dist are both loaded) still recognises it.
    class DemoErrorCopy extends AmbientError {
      static override readonly family: string = 'DEMO';
    }
    expect(err instanceof DemoErrorCopy).toBe(true);
    expect(new Error('plain') instanceof AmbientError).toBe(false);
    expect({ code: 'DEMO_ERR_BAD' } instanceof DemoError).toBe(false);
  });

  it('hasCode matches exact codes only', () => {
    const err = new DemoError('DEMO_ERR_WORSE', 'x');
    expect(hasCode(err, 'DEMO_ERR_WORSE')).toBe(true);
    expect(hasCode(err, 'DEMO_ERR_BAD')).toBe(false);
    expect(hasCode(new Error('x'), 'DEMO_ERR_WORSE')).toBe(false);
  });
});
