// --xds-on-demand and --local-workload-addresses: values, bad values, the conflict with --dns-capture that Istio's
// config validation refuses too, and with --xds-address '' (xDS off), which Istio ignores silently and we refuse;
// the command exits 2 naming both flags.
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
    [{ '--xds-on-demand': 'true', '--xds-address': '', '--ca-address': '127.0.0.1:15012' }, "--xds-on-demand true needs an xDS server, but --xds-address is ''"],
    [{ '--xds-on-demand': 'true', '--xds-address': '', '--ca-address': '127.0.0.1:15012', '--local-xds-path': 'l.yaml' }, "--xds-on-demand true needs an xDS server, but --xds-address is ''"],
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

  it("exits 2 naming both flags for --xds-on-demand true with --xds-address ''", async () => {
    const bin = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));
    const args = ['--node', 'node-a', '--token-file', bin, '--root-cert', bin, '--xds-address', '', '--ca-address', '127.0.0.1:15012', '--xds-on-demand', 'true'];
    const failure = await promisify(execFile)(process.execPath, [bin, ...args]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toMatch(/--xds-on-demand true needs an xDS server, but --xds-address is ''/);
  });

  it("still takes --xds-address '' with --xds-on-demand false or left out", () => {
    const off = { ...required, '--xds-address': '', '--ca-address': '127.0.0.1:15012' };
    expect(readZtunnelConfig(off)).toMatchObject({ xdsAddress: undefined, xdsOnDemand: false });
    expect(readZtunnelConfig({ ...off, '--xds-on-demand': 'false' }).xdsOnDemand).toBe(false);
  });
});
