// The socket flags (Istio's KEEPALIVE_TIME, _INTERVAL, _RETRIES, _ENABLED and USER_TIMEOUT_ENABLED): defaults,
// accepted values, every malformed value refused naming the flag and the value, exit 2 from the command, --help,
// and /config_dump's config.socketConfig.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MeshState } from '@ambient/mesh-state';
import { HELP, parseZtunnelArgs, UsageError } from '../src/cli/args.js';
import { configDump } from '../src/config-dump.js';
import { userTimeoutMs } from '../src/config.js';

const required = ['--node', 'node-a', '--token-file', 't', '--root-cert', 'r'];
const parse = (...flags: string[]) => parseZtunnelArgs([...required, ...flags]).socketConfig;

describe('socket flags', () => {
  it("default to Istio's: 180s, 180s, 9 probes, keepalive on, no user timeout", () => {
    expect(parse()).toEqual({ keepaliveTimeMs: 180_000, keepaliveIntervalMs: 180_000, keepaliveRetries: 9, keepaliveEnabled: true, userTimeoutEnabled: false });
    expect(userTimeoutMs(parse())).toBe(1_800_000);
  });

  it('read durations in whole seconds, retries, and the two switches', () => {
    expect(parse('--keepalive-time', '1m30s', '--keepalive-interval', '2s', '--keepalive-retries', '127', '--keepalive-enabled', 'false', '--user-timeout-enabled', 'true'))
      .toEqual({ keepaliveTimeMs: 90_000, keepaliveIntervalMs: 2_000, keepaliveRetries: 127, keepaliveEnabled: false, userTimeoutEnabled: true });
    expect(parse('--keepalive-time', '1s', '--keepalive-interval', '32767s', '--keepalive-retries', '1')).toMatchObject({ keepaliveTimeMs: 1_000, keepaliveIntervalMs: 32_767_000, keepaliveRetries: 1 });
    // The largest sum TCP_USER_TIMEOUT's int holds is accepted.
    expect(parse('--user-timeout-enabled', 'true', '--keepalive-time', '32767s', '--keepalive-interval', '32767s', '--keepalive-retries', '64').userTimeoutEnabled).toBe(true);
  });

  const duration = (flag: string, value: string) => `${flag} must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from 1s to 32767s, got "${value}"`;
  const retries = (value: string) => `--keepalive-retries must be a whole number from 1 to 127, got "${value}"`;
  it.each([
    ['--keepalive-time', '-1s', duration('--keepalive-time', '-1s')],
    ['--keepalive-time', '0s', duration('--keepalive-time', '0s')],
    ['--keepalive-time', '180', duration('--keepalive-time', '180')],
    ['--keepalive-time', 'soon', duration('--keepalive-time', 'soon')],
    ['--keepalive-time', '1.5s', duration('--keepalive-time', '1.5s')],
    ['--keepalive-time', '32768s', duration('--keepalive-time', '32768s')],
    ['--keepalive-time', '99999999999999999999s', duration('--keepalive-time', '99999999999999999999s')],
    ['--keepalive-time', '1500ms', '--keepalive-time must be whole seconds (the kernel counts keepalive time in seconds), got "1500ms"'],
    ['--keepalive-interval', '0s', duration('--keepalive-interval', '0s')],
    ['--keepalive-interval', '-5s', duration('--keepalive-interval', '-5s')],
    ['--keepalive-interval', '1d', duration('--keepalive-interval', '1d')],
    ['--keepalive-interval', '2147483648s', duration('--keepalive-interval', '2147483648s')],
    ['--keepalive-interval', '999ms', duration('--keepalive-interval', '999ms')],
    ['--keepalive-interval', '2s500ms', '--keepalive-interval must be whole seconds (the kernel counts keepalive time in seconds), got "2s500ms"'],
    ['--keepalive-retries', '0', retries('0')],
    ['--keepalive-retries', '-1', retries('-1')],
    ['--keepalive-retries', 'nine', retries('nine')],
    ['--keepalive-retries', '9.5', retries('9.5')],
    ['--keepalive-retries', '128', retries('128')],
    ['--keepalive-retries', '4294967305', retries('4294967305')],
    ['--keepalive-enabled', 'on', '--keepalive-enabled must be true or false, got "on"'],
    ['--user-timeout-enabled', 'maybe', '--user-timeout-enabled must be true or false, got "maybe"'],
  ])('refuses %s %j', (flag, value, message) => {
    // --flag=value: util.parseArgs takes `--flag -1s` for a missing value (below).
    expect(() => parseZtunnelArgs([...required, `${flag}=${value}`])).toThrow(UsageError);
    expect(() => parseZtunnelArgs([...required, `${flag}=${value}`])).toThrow(message);
  });

  it('refuses a negative value written after a space as a missing one, naming the flag', () => {
    expect(() => parseZtunnelArgs([...required, '--keepalive-retries', '-1'])).toThrow(/^Option '--keepalive-retries' argument is ambiguous/);
  });

  it('refuses a user timeout beyond the int of milliseconds TCP_USER_TIMEOUT takes, and only when it is on', () => {
    const big = ['--keepalive-time', '32767s', '--keepalive-interval', '32767s', '--keepalive-retries', '65'];
    expect(() => parse('--user-timeout-enabled', 'true', ...big)).toThrow(
      '--user-timeout-enabled true needs --keepalive-time + --keepalive-retries × --keepalive-interval of at most 2147483647 ms (TCP_USER_TIMEOUT is an int of milliseconds), got 2162622000 ms',
    );
    expect(parse(...big).keepaliveRetries).toBe(65);
  });

  it('are in --help', () => {
    for (const flag of ['--keepalive-time DURATION', '--keepalive-interval DURATION', '--keepalive-retries N', '--keepalive-enabled true|false', '--user-timeout-enabled true|false']) expect(HELP).toContain(flag);
  });

  it("show in /config_dump's config as socketConfig", () => {
    const config = parseZtunnelArgs([...required, '--keepalive-time', '30s', '--user-timeout-enabled', 'true']);
    const dump = JSON.parse(JSON.stringify(configDump(new MeshState(), [], config))) as { config: Record<string, unknown> };
    expect(dump.config['socketConfig']).toEqual({ keepaliveTimeMs: 30_000, keepaliveIntervalMs: 180_000, keepaliveRetries: 9, keepaliveEnabled: true, userTimeoutEnabled: true });
  });

  it('make the command exit 2 with one sentence naming the flag and value', async () => {
    const bin = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));
    const failure = await promisify(execFile)(process.execPath, [bin, '--node', 'node-a', '--token-file', bin, '--root-cert', bin, '--keepalive-retries', '0']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toBe(`ztunnel: ${retries('0')} (see 'ztunnel --help')\n`);
  });
});
