// Pure parts: the frozen config from flags and environment, the serving certificate's names.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ambient/core';
import { readAmbientdConfig } from '../src/index.js';
import { servingNames } from '../src/serving-certificate.js';

describe('readAmbientdConfig', () => {
  it('applies the CONTRACTS.md defaults and freezes the result', () => {
    const config = readAmbientdConfig({ '--config': 'mesh' });
    expect(config).toEqual({
      configDir: 'mesh',
      stateDir: './.ambient/state',
      grpcListen: { host: '127.0.0.1', port: 15012 },
      debugListen: { host: '127.0.0.1', port: 15014 },
      clusterId: 'Kubernetes',
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
      trustedNodeAccounts: ['istio-system/ztunnel'],
    });
    expect(Object.isFrozen(config.trustedNodeAccounts)).toBe(true);
  });

  it('takes the state directory from --state-dir, else AMBIENT_STATE_DIR', () => {
    expect(readAmbientdConfig({ '--config': 'm', AMBIENT_STATE_DIR: '/env' }).stateDir).toBe('/env');
    expect(readAmbientdConfig({ '--config': 'm', AMBIENT_STATE_DIR: '/env', '--state-dir': '/flag' }).stateDir).toBe('/flag');
  });

  it('names every bad setting at once', () => {
    let error: unknown;
    try {
      readAmbientdConfig({ '--grpc-listen': 'nowhere', '--trusted-node-accounts': 'istio-system/ztunnel,bad', '--root-namespace': 'Bad_NS', '--trust-domain': 'a b' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const flag of ['--config is required', '--grpc-listen', '--trusted-node-accounts', '--root-namespace', '--trust-domain']) expect(problems).toContain(flag);
  });
});

describe('servingNames', () => {
  it('adds the listen IP, 127.0.0.1 for all addresses, and a host name as DNS', () => {
    expect(servingNames({ host: '127.0.0.5', port: 1 })).toEqual({ dnsNames: ['localhost', 'istiod.istio-system.svc'], ipAddresses: ['127.0.0.5'] });
    expect(servingNames({ host: '0.0.0.0', port: 1 }).ipAddresses).toEqual(['127.0.0.1']);
    expect(servingNames({ host: '::', port: 1 }).ipAddresses).toEqual(['127.0.0.1']);
    expect(servingNames({ host: '::1', port: 1 }).ipAddresses).toEqual(['::1']);
    expect(servingNames({ host: 'ambientd.local', port: 1 })).toEqual({ dnsNames: ['localhost', 'istiod.istio-system.svc', 'ambientd.local'], ipAddresses: [] });
  });
});
