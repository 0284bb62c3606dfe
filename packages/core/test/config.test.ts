import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReader, parseDuration, parseHostPort } from '../src/index.js';

describe('ConfigReader', () => {
  it('reads typed values with defaults and freezes the result deeply', () => {
    const r = new ConfigReader({ NODE: 'node-a', PORT: '15008', ON: 'true', MODE: 'iptables', LIST: 'a, b,,c', ADMIN: '[::1]:15000' });
    const config = r.done({
      node: r.string('NODE'),
      port: r.int('PORT', 1, { min: 1, max: 65535 }),
      on: r.bool('ON', false),
      mode: r.oneOf('MODE', ['loopback', 'iptables'] as const, 'loopback'),
      list: r.list('LIST'),
      admin: r.hostPort('ADMIN', '127.0.0.1:15000'),
      fallback: r.hostPort('MISSING', '127.0.0.1:15020'),
    });
    expect(config).toEqual({
      node: 'node-a',
      port: 15008,
      on: true,
      mode: 'iptables',
      list: ['a', 'b', 'c'],
      admin: { host: '::1', port: 15000 },
      fallback: { host: '127.0.0.1', port: 15020 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.admin)).toBe(true);
    expect(Object.isFrozen(config.list)).toBe(true);
  });

  it('names every bad key at once', () => {
    const r = new ConfigReader({ PORT: '70000', ON: 'maybe', MODE: 'tproxy', ADMIN: 'http://x:1', N: '1.5' });
    r.string('NODE');
    r.int('PORT', 1, { min: 1, max: 65535 });
    r.int('N', 1);
    r.bool('ON', false);
    r.oneOf('MODE', ['loopback', 'iptables'], 'loopback');
    r.hostPort('ADMIN', '127.0.0.1:15000');
    let caught: unknown;
    try {
      r.done({});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toEqual([
      'NODE is required',
      'PORT must be a whole number from 1 to 65535, got "70000"',
      `N must be a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, got "1.5"`,
      'ON must be true or false, got "maybe"',
      'MODE must be one of loopback, iptables, got "tproxy"',
      'ADMIN must be HOST:PORT with a port from 0 to 65535, got "http://x:1"',
    ]);
    expect((caught as ConfigError).code).toBe('CONFIG_ERR_INVALID');
  });
});

describe('durations (Istio settings such as SECRET_TTL=24h)', () => {
  it.each([
    ['24h', 86_400_000],
    ['1h30m', 5_400_000],
    ['90m', 5_400_000],
    ['45s', 45_000],
    ['500ms', 500],
    ['1m500ms', 60_500],
    ['0s', 0],
  ])('reads %s', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  it.each(['', '24', 'h', '-5s', '1.5h', '5d', '5 s', '5S', '5sec', 's5', '5ms5', `${'9'.repeat(20)}h`])('refuses %j', (raw) => {
    expect(parseDuration(raw)).toBeUndefined();
  });

  it('names the flag, the units and the range when a value is bad or out of range', () => {
    const r = new ConfigReader({ TTL: '1d', SHORT: '30s', OK: '2h' });
    expect(r.duration('OK', 1_000, { minMs: 60_000 })).toBe(7_200_000);
    expect(r.duration('MISSING', 1_000)).toBe(1_000);
    r.duration('TTL', 1_000);
    r.duration('SHORT', 1_000, { minMs: 60_000, maxMs: 86_400_000 });
    expect(() => r.done({})).toThrow(ConfigError);
    try {
      r.done({});
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'TTL must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from 0ms to any length, got "1d"',
        'SHORT must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from 1m to 24h, got "30s"',
      ]);
    }
  });
});

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:15012', { host: '127.0.0.1', port: 15012 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:15008', { host: '::1', port: 15008 }],
  ])('accepts %s', (raw, expected) => expect(parseHostPort(raw)).toEqual(expected));

  it.each(['127.0.0.1', ':80', '::1:80', 'host:65536', 'host:-1', 'a b:1', 'tcp://h:1', ''])('refuses %j', (raw) =>
    expect(parseHostPort(raw)).toBeUndefined(),
  );
});
