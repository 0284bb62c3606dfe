// gRPC service definitions for the mesh's two APIs, with @bufbuild/protobuf doing the (de)serialisation.
import { create, fromBinary, isMessage, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientUnaryCall,
  type Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  IstioCertificateRequestSchema,
  IstioCertificateResponseSchema,
  type IstioCertificateRequest,
  type IstioCertificateResponse,
} from '@ambient/api/ca';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '@ambient/api/xds';

/** Accepts a message or a plain init object (as `create` takes), so callers may write either. */
function asMessage<D extends DescMessage>(schema: D, value: MessageShape<D> | MessageInitShape<D>): MessageShape<D> {
  return isMessage(value, schema) ? value : create(schema, value as MessageInitShape<D>);
}

function method<I extends DescMessage, O extends DescMessage>(
  path: string,
  input: I,
  output: O,
  streaming: { requestStream: boolean; responseStream: boolean },
): MethodDefinition<MessageShape<I>, MessageShape<O>> {
  return {
    path,
    ...streaming,
    requestSerialize: (value) => Buffer.from(toBinary(input, asMessage(input, value))),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (value) => Buffer.from(toBinary(output, asMessage(output, value))),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    originalName: path.slice(path.lastIndexOf('/') + 1),
  };
}

/** envoy.service.discovery.v3.AggregatedDiscoveryService, delta only (what istiod serves ztunnel). */
export const aggregatedDiscoveryService = {
  deltaAggregatedResources: method(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
    DeltaDiscoveryRequestSchema,
    DeltaDiscoveryResponseSchema,
    { requestStream: true, responseStream: true },
  ),
} satisfies ServiceDefinition;

/** istio.v1.auth.IstioCertificateService. */
export const istioCertificateService = {
  createCertificate: method(
    '/istio.v1.auth.IstioCertificateService/CreateCertificate',
    IstioCertificateRequestSchema,
    IstioCertificateResponseSchema,
    { requestStream: false, responseStream: false },
  ),
} satisfies ServiceDefinition;

type ClientConstructor<C> = new (address: string, credentials: ChannelCredentials, options?: ChannelOptions) => C;

export interface AggregatedDiscoveryClient extends Client {
  deltaAggregatedResources(
    metadata?: Metadata,
    options?: CallOptions,
  ): ClientDuplexStream<DeltaDiscoveryRequest | MessageInitShape<typeof DeltaDiscoveryRequestSchema>, DeltaDiscoveryResponse>;
}

export type CreateCertificateCallback = (err: ServiceError | null, value?: IstioCertificateResponse) => void;

export interface IstioCertificateClient extends Client {
  createCertificate(
    request: IstioCertificateRequest | MessageInitShape<typeof IstioCertificateRequestSchema>,
    metadata: Metadata,
    options: CallOptions,
    callback: CreateCertificateCallback,
  ): ClientUnaryCall;
}

export const AggregatedDiscoveryClient = makeGenericClientConstructor(
  aggregatedDiscoveryService,
  'AggregatedDiscoveryService',
) as unknown as ClientConstructor<AggregatedDiscoveryClient>;

export const IstioCertificateClient = makeGenericClientConstructor(
  istioCertificateService,
  'IstioCertificateService',
) as unknown as ClientConstructor<IstioCertificateClient>;
