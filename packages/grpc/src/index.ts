// @ambient/grpc: gRPC plumbing shared by the xDS and CA packages.
export {
  aggregatedDiscoveryService,
  istioCertificateService,
  AggregatedDiscoveryClient,
  IstioCertificateClient,
} from './services.js';
export type { CreateCertificateCallback } from './services.js';
export {
  MAX_MESSAGE_BYTES,
  DEFAULT_CHANNEL_OPTIONS,
  IP_TARGET_SERVER_NAME,
  serverCredentials,
  channelCredentials,
  channelOptions,
  callMetadata,
  headerProblem,
  bearerToken,
} from './credentials.js';
export type { ServerTls, ChannelTls } from './credentials.js';
