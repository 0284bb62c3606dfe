// --xds-on-demand and --local-workload-addresses: values, bad values, and the conflict with --dns-capture that
// Istio's config validation refuses too; the command exits 2 naming both flags.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readZtunnelConfig } from '../src/index.js';

const required = { '--node': 'node-a', '--token-file': 't', '--root-cert': 'r' };

describe('--xds-on-demand', () => {
  it('is off by default, on with true, and takes the local workload addresses', () => {
    expect(readZtunnelConfig(required).xdsOnDemand).toBe(false);
    const config = readZtunnelConfig({ ...required, '--xds-on-demand': 'true', '--local-workload-addresses': '127.0.10.1, ::1' });
    expect(config).toMatchObject({ xdsOnDemand: true, localWorkloadAddresses: ['127.0.10.1', '::1'] });
    expect(readZtunnelConfig({ ...required, '--xds-on-demand': 'false', '--dns-capture': 'true' }).dnsCapture).toBe(true);
  });

  it.each([
    [{ '--xds-on-demand': 'sometimes' }, '--xds-on-demand must be true or false, got "sometimes"'],
    [{ '--xds-on-demand': 'true', '--dns-capture': 'true' }, '--dns-capture true cannot be combined with --xds-on-demand true'],
    [{ '--xds-on-demand': 'true', '--local-workload-addresses': '127.0.10.1,pod-a' }, '--local-workload-addresses must be a comma-separated list of IP addresses, got "pod-a"'],
    [{ '--local-workload-addresses': '127.0.10.1' }, '--local-workload-addresses is only for --xds-on-demand true'],
  ])('refuses %j', (flags, message) => {
    expect(() => readZtunnelConfig({ ...required, ...flags })).toThrow(message);
  });

  it('makes the command exit 2 with one sentence naming both flags', async () => {
    const bin = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));
    const failure = await promisify(execFile)(process.execPath, [bin, '--node', 'node-a', '--token-file', bin, '--root-cert', bin, '--xds-on-demand', 'true', '--dns-capture', 'true']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toMatch(/--dns-capture true cannot be combined with --xds-on-demand true/);
  });
});
