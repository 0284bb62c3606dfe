// Assembles one ztunnel: xDS into MeshState, local workload certificates through the CA, per-workload listeners
// (loopback capture) or node listeners and nat rules (iptables capture), admin / metrics / readiness endpoints, and
// the drain that ends it.
import { readFileSync } from 'node:fs';
import type { Logger } from '@ambient/core';
import { CaClient } from '@ambient/ca-grpc';
import { MeshState } from '@ambient/mesh-state';
import { addressType } from '@ambient/xds-client';
import { createMetricsEndpoint } from '@ambient/telemetry';
import { adminHandler, listenHttp, readinessHandler, type HttpListener } from './admin.js';
import { WorkloadCertificates } from './certificates.js';
import type { ZtunnelConfig } from './config.js';
import { configDump } from './config-dump.js';
import { captureCpuProfile } from './cpu-profile.js';
import { CrlFile } from './crl.js';
import { LiveRevocation } from './live-revocation.js';
import { HeapProfiler } from './heap-profile.js';
import { NodeCapture } from './capture/node-capture.js';
import { warnUnappliedSocketOptions } from './socket-options.js';
import { originalSourceFor } from './capture/original-source.js';
import { requireNodeNamespace, requireOriginalDst } from './capture/support.js';
import { ConnectionRegistry } from './connections.js';
import { DnsProxy } from './dns/proxy.js';
import { dnsUpstreams } from './dns/resolv-conf.js';
import { OnDemandDns } from './on-demand-dns/resolver.js';
import type { ProxyContext } from './context.js';
import { ZtunnelError } from './errors.js';
import { InboundTracker } from './inbound-tracker.js';
import { LocalWorkloads } from './local-workloads.js';
import { loadLocalXds, type LocalXdsSource } from './local-xds/load.js';
import { LogLevels } from './log-levels.js';
import { LocalAddresses } from './on-demand-xds/local-addresses.js';
import { OnDemandXds } from './on-demand-xds/fetcher.js';
import { connectXds, VERSION } from './xds-sync.js';

export interface Ztunnel {
  readonly adminAddress: string;
  readonly metricsAddress: string;
  readonly readinessAddress: string;
  readonly state: MeshState;
  /** Resolves once xDS is synced and every local workload is served with a certificate. */
  ready(): Promise<void>;
  /** Why it is not ready yet (empty once ready). */
  pending(): string[];
  /** Stops accepting, lets open tunnels finish up to the drain deadline, closes everything. Idempotent. */
  drain(): Promise<void>;
  /** Resolves when /quitquitquit asks the process to end (the command then drains and exits). */
  readonly quitRequested: Promise<void>;
}

export async function startZtunnel(config: ZtunnelConfig, options: { logger: Logger }): Promise<Ztunnel> {
  const levels = new LogLevels(options.logger);
  const log = levels.for('proxy');
  warnUnappliedSocketOptions(config.socketConfig, log);
  if (config.capture === 'iptables') {
    requireOriginalDst();
    requireNodeNamespace();
  }
  const rootPem = readFile(config.rootCert, '--root-cert');
  readFile(config.tokenFile, '--token-file');
  const crl = config.crlPath === '' ? undefined : new CrlFile(config.crlPath);
  const state = new MeshState();
  // Istio's LOCAL_XDS_PATH: loaded once, before any listener or xDS stream; xDS (if on) then adds to it.
  const localXds = localXdsSource(config);
  const staticConfig = localXds ? loadLocalXds(state, localXds) : undefined;
  if (localXds && staticConfig) {
    log.info({ source: 'path' in localXds ? localXds.path : 'inline', addresses: staticConfig.addresses.length, policies: staticConfig.authorizations.length }, 'local config loaded');
  }
  const metrics = createMetricsEndpoint({ build: { component: 'ztunnel', tag: VERSION } });
  const illegalPorts = [
    config.hbonePort, config.socks5Port, config.inboundPlaintextPort, config.outboundPort,
    config.adminListen.port, config.metricsListen.port, config.readinessListen.port,
    ...(config.dnsCapture ? [config.dnsPort] : []),
  ].filter((p) => p !== 0);
  const inbound = new InboundTracker(state, illegalPorts, log);
  const connections = new ConnectionRegistry();
  const { network } = config;
  const dns = config.dnsCapture
    ? new DnsProxy({ lookup: state, clusterDomain: config.clusterDomain, network, upstreams: dnsUpstreams(config.dnsUpstreams), metrics: metrics.dns, log: levels.for('dns'), ipv6: config.ipv6Enabled })
    : undefined;
  const originalSource = config.capture === 'iptables' ? originalSourceFor(config.preserveSource, log) : undefined;
  const revocation = crl ? new LiveRevocation({ lists: () => crl.lists, metrics: metrics.crl, log, closingInbound: (ends, reason) => inbound.closeFrom(ends, reason) }) : undefined;
  // Istio resolves hostname-only workloads with the system's resolv.conf; --dns-upstream, when given, stands for it.
  const onDemandDns = new OnDemandDns({ upstreams: config.dnsUpstreams, ipv6: config.ipv6Enabled, metrics: metrics.onDemandDns, log });
  const xds = connectXds(config, state, rootPem, levels.for('xds'), metrics.xds);
  const onDemandXds = xds && config.xdsOnDemand ? new OnDemandXds((key, timeoutMs) => xds.fetch(addressType, key, timeoutMs), levels.for('xds')) : undefined;
  const ctx: ProxyContext = {
    config, state, metrics: metrics.tcp, log, accessLog: levels.for('access'), network, illegalPorts, inbound, connections, onDemandDns,
    ...(onDemandXds ? { onDemandXds } : {}), ...(dns ? { dns } : {}), ...(originalSource ? { originalSource } : {}), ...(crl ? { crl } : {}), ...(revocation ? { revocation } : {}),
  };
  const ca = new CaClient({
    address: `${hostText(config.caAddress.host)}:${config.caAddress.port}`,
    rootPem,
    token: () => readFileSync(config.tokenFile, 'utf8').trim(),
    clusterId: config.clusterId,
    headers: config.caHeaders,
    ttlSeconds: Math.round(config.secretTtlMs / 1000),
  });
  const certificates = new WorkloadCertificates(ca.fetchSvid);
  // A new revocation list closes the live sessions of peers it revokes, then rebuilds every workload's TLS: new
  // connections check peers against it.
  const unwatchCrl = crl?.watch(() => {
    revocation?.recheck();
    certificates.reannounce();
  }, log);
  const workloads = config.capture === 'iptables' ? new NodeCapture(ctx, certificates) : new LocalWorkloads(ctx, certificates);
  const localAddresses = xds && config.xdsOnDemand ? new LocalAddresses({ watch: (key, w) => xds.watch(addressType, key, w) }, network, config.localWorkloadAddresses, log) : undefined;
  // Without xDS there is nothing to wait for but the local workloads' certificates.
  let synced = xds === undefined;
  void xds?.ready().then(() => {
    synced = true;
    log.info({ node: config.node }, 'xDS synced');
  });
  const pending = (): string[] => [...(synced ? [] : ['xDS not synced yet']), ...(localAddresses?.pending() ?? []), ...workloads.pending()];

  let quit!: () => void;
  const quitRequested = new Promise<void>((resolve) => (quit = resolve));
  const listeners: HttpListener[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.close()));
    unwatchCrl?.();
    localAddresses?.close();
    xds?.close();
    certificates.close();
    ca.close();
    inbound.close();
    await metrics.shutdown();
  };
  try {
    if (workloads instanceof NodeCapture) await workloads.start(config.workloadInterfaces);
    listeners.push(
      await listenHttp(
        adminHandler({
          configDump: () => configDump(state, certificates.dump(), config, connections.dump(), { version: VERSION, ...(staticConfig ? { staticConfig: staticConfig.document } : {}) }),
          logLevel: () => levels.describe(),
          setLogLevel: (spec) => levels.apply(spec),
          resetLogLevel: () => levels.reset(),
          cpuProfile: captureCpuProfile,
          heap: new HeapProfiler(),
          quit,
        }),
        config.adminListen,
        'admin',
      ),
    );
    listeners.push(await listenHttp((req, res) => metrics.handle(req, res), config.metricsListen, 'metrics'));
    listeners.push(await listenHttp(readinessHandler({ pending }), config.readinessListen, 'readiness'));
  } catch (err) {
    await workloads.close(0);
    await close();
    throw err;
  }
  const [admin, metricsListener, readiness] = listeners as [HttpListener, HttpListener, HttpListener];

  let draining: Promise<void> | undefined;
  return {
    adminAddress: admin.address,
    metricsAddress: metricsListener.address,
    readinessAddress: readiness.address,
    state,
    pending,
    ready: async () => {
      await xds?.ready();
      while (pending().length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    drain: () => {
      draining ??= (async () => {
        log.info({ deadlineMs: config.drainDeadlineMs }, 'draining');
        await workloads.close(config.drainDeadlineMs);
        await close();
      })();
      return draining;
    },
    quitRequested,
  };
}

function readFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_FILE', `${flag} ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function localXdsSource(config: ZtunnelConfig): LocalXdsSource | undefined {
  if (config.localXdsPath !== '') return { path: config.localXdsPath };
  return config.localXds === '' ? undefined : { inline: config.localXds };
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
