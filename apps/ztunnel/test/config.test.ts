// The frozen config from flags, and the command line's --help and exit code 2 on bad flags.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ambient/core';
import { readZtunnelConfig } from '../src/index.js';
import { parseZtunnelArgs, UsageError } from '../src/cli/args.js';

const required = { '--node': 'node-a', '--token-file': 't', '--root-cert': 'r' };

describe('readZtunnelConfig', () => {
  it('applies the CONTRACTS.md defaults and freezes the result', () => {
    const config = readZtunnelConfig(required);
    expect(config).toEqual({
      node: 'node-a',
      xdsAddress: { host: '127.0.0.1', port: 15012 },
      caAddress: { host: '127.0.0.1', port: 15012 },
      tokenFile: 't',
      rootCert: 'r',
      capture: 'loopback',
      workloadInterfaces: 'vw+',
      adminListen: { host: '127.0.0.1', port: 15000 },
      metricsListen: { host: '127.0.0.1', port: 15020 },
      readinessListen: { host: '127.0.0.1', port: 15021 },
      hbonePort: 15008,
      socks5Port: 15080,
      inboundPlaintextPort: 15006,
      outboundPort: 15001,
      clusterId: 'Kubernetes',
      network: '',
      trustDomain: 'cluster.local',
      drainDeadlineMs: 5000,
      dnsCapture: false,
      dnsPort: 15053,
      dnsUpstreams: [],
      clusterDomain: 'cluster.local',
      secretTtlMs: 86_400_000,
      poolMaxStreamsPerConnection: 100,
      poolUnusedReleaseTimeoutMs: 300_000,
      preserveSource: 'auto',
      ipv6Enabled: true,
      xdsHeaders: {},
      caHeaders: {},
      crlPath: '',
      localXdsPath: '',
      localXds: '',
      xdsOnDemand: false,
      localWorkloadAddresses: [],
      socketConfig: { keepaliveTimeMs: 180_000, keepaliveIntervalMs: 180_000, keepaliveRetries: 9, keepaliveEnabled: true, userTimeoutEnabled: false },
    });
    expect(Object.isFrozen(config.xdsAddress)).toBe(true);
  });

  it('defaults --ca-address to --xds-address and takes it when given', () => {
    expect(readZtunnelConfig({ ...required, '--xds-address': '[::1]:9000' }).caAddress).toEqual({ host: '::1', port: 9000 });
    expect(readZtunnelConfig({ ...required, '--ca-address': '127.0.0.2:1' }).caAddress).toEqual({ host: '127.0.0.2', port: 1 });
  });

  it('names every bad setting at once', () => {
    let error: unknown;
    try {
      readZtunnelConfig({ '--node': 'Node_A', '--capture': 'ebpf', '--hbone-port': '70000', '--admin-listen': 'nowhere', '--ca-address': 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const text of ['--node must be', '--token-file is required', '--root-cert is required', '--capture must be one of loopback, iptables', '--hbone-port must be', '--admin-listen', '--ca-address']) {
      expect(problems).toContain(text);
    }
  });

  it.each(['eth0;x', 'a-very-long-interface-name+', 'vw*'])('refuses --workload-interfaces %j', (pattern) => {
    expect(() => readZtunnelConfig({ ...required, '--workload-interfaces': pattern })).toThrow(/--workload-interfaces must be an interface name or prefix for iptables -i/);
  });

  it('refuses two per-workload ports that collide', () => {
    expect(() => readZtunnelConfig({ ...required, '--socks5-port': '15008' })).toThrow(/must differ/);
    expect(() => readZtunnelConfig({ ...required, '--dns-port': '15006' })).toThrow(/--dns-port must differ/);
  });

  it('reads --network', () => {
    expect(readZtunnelConfig({ ...required, '--network': 'network-east_1.a' }).network).toBe('network-east_1.a');
  });

  it('reads --secret-ttl as a duration, 24h by default', () => {
    expect(readZtunnelConfig(required).secretTtlMs).toBe(86_400_000);
    expect(readZtunnelConfig({ ...required, '--secret-ttl': '1h30m' }).secretTtlMs).toBe(5_400_000);
  });

  it('reads the pool flags', () => {
    expect(readZtunnelConfig({ ...required, '--pool-max-streams-per-connection': '1', '--pool-unused-release-timeout': '30s' })).toMatchObject({ poolMaxStreamsPerConnection: 1, poolUnusedReleaseTimeoutMs: 30_000 });
  });

  it('reads the DNS proxy flags', () => {
    const config = readZtunnelConfig({ ...required, '--dns-capture': 'true', '--dns-port': '5353', '--dns-upstream': '127.0.0.53:53, [::1]:5300', '--cluster-domain': 'Corp.Example' });
    expect(config).toMatchObject({ dnsCapture: true, dnsPort: 5353, dnsUpstreams: [{ host: '127.0.0.53', port: 53 }, { host: '::1', port: 5300 }], clusterDomain: 'corp.example' });
  });

  it('reads extra xDS and CA headers as NAME=VALUE lists', () => {
    const config = readZtunnelConfig({ ...required, '--xds-header': 'x-tenant=blue, x-route=a=b', '--ca-header': 'x-tenant=green' });
    expect(config).toMatchObject({ xdsHeaders: { 'x-tenant': 'blue', 'x-route': 'a=b' }, caHeaders: { 'x-tenant': 'green' } });
  });

  it.each([
    ['--xds-header', 'x-tenant', '--xds-header must be NAME=VALUE, got "x-tenant"'],
    ['--xds-header', '=blue', '--xds-header must be NAME=VALUE, got "=blue"'],
    ['--ca-header', 'X-Tenant=blue', '--ca-header header name "X-Tenant" must be lower-case letters'],
    ['--ca-header', 'authorization=Bearer x', '--ca-header header "authorization" is set by ztunnel or gRPC itself and cannot be replaced'],
    ['--xds-header', 'grpc-timeout=1S', 'is reserved for gRPC'],
    ['--dns-capture', 'on', '--dns-capture must be true or false, got "on"'],
    ['--dns-upstream', 'dns.example:53', '--dns-upstream must be a comma-separated list of IP:PORT ([IPv6]:PORT), got "dns.example:53"'],
    ['--dns-upstream', '127.0.0.53', 'got "127.0.0.53"'],
    ['--dns-upstream', '127.0.0.53:0', 'got "127.0.0.53:0"'],
    ['--network', 'east west', '--network must be a network name (letters, digits, \'-\', \'_\', \'.\', at most 63), got "east west"'],
    ['--dns-port', '0', '--dns-port must be a whole number from 1 to 65535, got "0"'],
    ['--secret-ttl', '24', '--secret-ttl must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from 1m to 2160h, got "24"'],
    ['--secret-ttl', '30s', 'from 1m to 2160h, got "30s"'],
    ['--secret-ttl', '91d', 'got "91d"'],
    ['--preserve-source', 'yes', '--preserve-source must be one of auto, true, false, got "yes"'],
    ['--ipv6-enabled', 'v4', '--ipv6-enabled must be true or false, got "v4"'],
    ['--pool-max-streams-per-connection', '0', '--pool-max-streams-per-connection must be a whole number from 1 to 10000, got "0"'],
    ['--pool-unused-release-timeout', '5', '--pool-unused-release-timeout must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from 1s to 24h, got "5"'],
    ['--cluster-domain', 'cluster..local', '--cluster-domain must be a DNS domain such as cluster.local, got "cluster..local"'],
  ])('refuses %s %j', (flag, value, message) => {
    expect(() => readZtunnelConfig({ ...required, [flag]: value })).toThrow(message);
  });
});

describe('parseZtunnelArgs', () => {
  it('turns unknown flags, positionals and missing values into a UsageError', () => {
    expect(() => parseZtunnelArgs(['--nod', 'x'])).toThrow(UsageError);
    expect(() => parseZtunnelArgs(['serve'])).toThrow(UsageError);
    expect(() => parseZtunnelArgs(['--node'])).toThrow(UsageError);
    expect(() => parseZtunnelArgs(['--node', 'a'])).toThrow(/--token-file is required/);
  });

  it('reads --flag value and --flag=value', () => {
    const config = parseZtunnelArgs(['--node=a', '--token-file', 't', '--root-cert', 'r', '--capture', 'iptables']);
    expect(config.capture).toBe('iptables');
  });
});

describe('the ztunnel command', () => {
  const bin = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));
  const run = promisify(execFile);

  it('prints --help on stdout and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/^usage: ztunnel --node NAME/);
    expect(stdout).toContain('--readiness-listen');
  });

  it.each([
    // Run here in PID 1's namespace, where the capture rules would catch the machine's own traffic.
    [['--capture', 'iptables'], /--capture iptables redirects every TCP connection forwarded through its network namespace, so it runs only in a node namespace/],
    [['--root-cert', '/nonexistent/root.pem'], /--root-cert \/nonexistent\/root.pem cannot be read: ENOENT/],
  ])('exits 2 with one sentence for %j', async (extra, message) => {
    const args = ['--node', 'node-a', '--token-file', bin, '--root-cert', bin, ...extra];
    const failure = await run(process.execPath, [bin, ...args]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toMatch(message);
  });

  it('exits 2 with one sentence on a bad flag', async () => {
    const failure = await run(process.execPath, [bin, '--bogus']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toMatch(/^ztunnel: .*--bogus.*\(see 'ztunnel --help'\)/);
  });
});
