// @ambient/hbone/testing: what the data-path benchmarks of hbone and ztunnel share (measurements, a stunnel baseline,
// a C HBONE relay baseline).
export { CONNECTION_WARMUP_MS, connectionRate, echoLatency, echoOnce, freePort, idleMemoryPerConnection, iperf, openIdle, percentile, startEchoProcess, startIperfServer, tcpDial, waitForPort } from './measure.js';
export { pacedEcho } from './paced.js';
export type { PacedOptions, PacedResult } from './paced.js';
export { cpuSeconds, cpuSecondsByName, cpuTimes, rssBytes, totalRssBytes, waitForQuietMachine, waitForSteadyRss } from './proc.js';
export type { Dial, IdleMemory, IperfOptions, Throughput } from './measure.js';
export { interleaved, median } from './rounds.js';
export type { Medians } from './rounds.js';
export { benchPath, stunnelArgv, stunnelPair, writeBenchCertificates, writeStunnelConfigs } from './stunnel.js';
export type { Argv, BenchPath, StunnelEnds } from './stunnel.js';
export { buildCHboneRelay, cHboneRelayArgv } from './c-hbone.js';
