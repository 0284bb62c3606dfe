// Per-module log levels as ztunnel's /logging sets them: all at once, some by name, back to the start level; a
// malformed request changes nothing and says what is wrong; every line names its module.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { LOG_MODULES, LogLevels } from '../src/log-levels.js';

function setup(level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const root = createLogger({
    name: 'ztunnel',
    level,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { levels: new LogLevels(root), lines };
}

describe('LogLevels', () => {
  it('starts every module at the root level and names the module on each line', () => {
    const { levels, lines } = setup();
    expect(levels.describe()).toBe('info');
    levels.for('access').info('connection complete');
    levels.for('dns').debug('not shown at info');
    expect(lines).toEqual([expect.objectContaining({ msg: 'connection complete', target: 'access', name: 'ztunnel', level: 'info' })]);
  });

  it('sets one module, several, or all', () => {
    const { levels, lines } = setup();
    expect(levels.apply('access:debug')).toBeUndefined();
    expect(levels.describe()).toBe('info,access=debug');
    levels.for('access').debug('shown');
    levels.for('proxy').debug('hidden');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
    expect(levels.apply('dns=off,xds:warn')).toBeUndefined();
    expect(levels.describe()).toBe('info,access=debug,dns=off,xds=warn');
    expect(levels.apply('trace')).toBeUndefined();
    expect(levels.describe()).toBe('trace');
    expect(LOG_MODULES.map((m) => levels.for(m).level)).toEqual(LOG_MODULES.map(() => 'trace'));
  });

  it('applies left to right: a module after the overall level keeps its own', () => {
    const { levels } = setup();
    expect(levels.apply('debug,access:error')).toBeUndefined();
    expect(levels.describe()).toBe('debug,access=error');
  });

  it('resets to the level it started with, not to info', () => {
    const { levels } = setup('warn');
    levels.apply('debug,dns:off');
    levels.reset();
    expect(levels.describe()).toBe('warn');
  });

  it.each([
    ['loud', 'unknown level "loud": use one of error, warn, info, debug, trace, off'],
    ['access:loud', 'unknown level "loud"'],
    ['http:debug', 'unknown module "http": use one of access, dns, xds, proxy'],
    ['', 'unknown level ""'],
    ['access:', 'unknown level ""'],
    ['debug,,info', 'unknown level ""'],
    [':debug', 'unknown module ""'],
  ])('refuses %j and changes nothing', (spec, message) => {
    const { levels } = setup();
    levels.apply('access:debug');
    expect(levels.apply(`dns:warn,${spec}`)).toContain(message);
    expect(levels.describe()).toBe('info,access=debug');
  });
});
