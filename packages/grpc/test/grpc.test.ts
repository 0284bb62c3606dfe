// Both services over real gRPC with TLS on loopback; certificates made by openssl.
import { create } from '@bufbuild/protobuf';
import { Metadata, Server, status, type ServiceError } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IstioCertificateRequestSchema, IstioCertificateResponseSchema } from '@ambient/api/ca';
import { DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '@ambient/api/xds';
import {
  AggregatedDiscoveryClient,
  IstioCertificateClient,
  aggregatedDiscoveryService,
  bearerToken,
  callMetadata,
  channelCredentials,
  headerProblem,
  channelOptions,
  istioCertificateService,
  serverCredentials,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'grpc-test-'));
let server: Server;
let address: string;
let rootPem: string;

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=istiod', '-addext', 'subjectAltName=DNS:istiod.istio-system.svc,IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  rootPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = new Server();
  server.addService(istioCertificateService, {
    createCertificate: (call: { request: { csr: string }; metadata: Metadata }, callback: (err: Partial<ServiceError> | null, value?: unknown) => void) => {
      const token = bearerToken(call.metadata);
      if (token !== 'good-token') return callback({ code: status.UNAUTHENTICATED, details: 'no valid bearer token' });
      const tenant = call.metadata.get('x-tenant')[0];
      const clusterId = call.metadata.get('clusterid')[0];
      const echoed = tenant === undefined ? [] : [`x-tenant:${String(tenant)}`, `clusterid:${String(clusterId)}`];
      callback(null, create(IstioCertificateResponseSchema, { certChain: [`signed:${call.request.csr}`, 'root', ...echoed] }));
    },
  });
  server.addService(aggregatedDiscoveryService, {
    deltaAggregatedResources: (call: import('@grpc/grpc-js').ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => {
      call.on('data', (req: DeltaDiscoveryRequest) => {
        call.write(create(DeltaDiscoveryResponseSchema, { typeUrl: req.typeUrl, nonce: `nonce-for-${req.typeUrl}` }));
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials({ certChainPem: rootPem, keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') }), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => {
  server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('IstioCertificateService over TLS', () => {
  it('carries the request and the bearer token', async () => {
    const client = new IstioCertificateClient(address, channelCredentials({ rootPem }), channelOptions({ rootPem }));
    const request = create(IstioCertificateRequestSchema, { csr: 'CSR', validityDuration: 3600n });
    const response = await new Promise<{ certChain: string[] }>((resolve, reject) =>
      client.createCertificate(request, callMetadata('good-token', 'Kubernetes'), {}, (err, value) =>
        err || !value ? reject(err ?? new Error('no response')) : resolve(value),
      ),
    );
    expect(response.certChain).toEqual(['signed:CSR', 'root']);
    client.close();
  });

  it('sends extra headers, ours winning a clash', async () => {
    const client = new IstioCertificateClient(address, channelCredentials({ rootPem }), channelOptions({ rootPem }));
    const request = create(IstioCertificateRequestSchema, { csr: 'CSR', validityDuration: 3600n });
    const response = await new Promise<{ certChain: string[] }>((resolve, reject) =>
      client.createCertificate(request, callMetadata('good-token', 'Kubernetes', { 'x-tenant': 'blue', clusterid: 'ignored' }), {}, (err, value) =>
        err || !value ? reject(err ?? new Error('no response')) : resolve(value),
      ),
    );
    expect(response.certChain).toEqual(['signed:CSR', 'root', 'x-tenant:blue', 'clusterid:Kubernetes']);
    client.close();
  });

  it('surfaces the server status on a refused call', async () => {
    const client = new IstioCertificateClient(address, channelCredentials({ rootPem }), channelOptions({ rootPem }));
    const err = await new Promise<ServiceError>((resolve) =>
      client.createCertificate(create(IstioCertificateRequestSchema, {}), callMetadata(undefined), {}, (e) => e && resolve(e)),
    );
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toBe('no valid bearer token');
    client.close();
  });

  it('fails the handshake against another trust anchor', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=other',
      '-keyout', join(dir, 'other-key.pem'), '-out', join(dir, 'other.pem')], { stdio: 'ignore' });
    const other = readFileSync(join(dir, 'other.pem'), 'utf8');
    const client = new IstioCertificateClient(address, channelCredentials({ rootPem: other }), channelOptions({ rootPem: other }));
    const err = await new Promise<ServiceError>((resolve) =>
      client.createCertificate(create(IstioCertificateRequestSchema, {}), callMetadata('good-token'), { deadline: Date.now() + 3000 }, (e) => e && resolve(e)),
    );
    expect(err.code).toBe(status.UNAVAILABLE);
    client.close();
  });
});

describe('AggregatedDiscoveryService', () => {
  it('streams delta requests and responses both ways', async () => {
    const client = new AggregatedDiscoveryClient(address, channelCredentials({ rootPem }), channelOptions({ rootPem }));
    const stream = client.deltaAggregatedResources(callMetadata('t'));
    const got = new Promise<DeltaDiscoveryResponse>((resolve) => stream.once('data', resolve));
    stream.write({ typeUrl: 'type.googleapis.com/istio.workload.Address', resourceNamesSubscribe: [] });
    expect((await got).nonce).toBe('nonce-for-type.googleapis.com/istio.workload.Address');
    const closed = new Promise((resolve) => stream.on('status', resolve));
    stream.on('data', () => undefined);
    stream.end();
    expect(await closed).toMatchObject({ code: 0 });
    client.close();
  });
});

describe('headerProblem', () => {
  it.each([
    ['x-tenant', 'blue', undefined],
    ['x_team.v2', 'a b=c;d', undefined],
    ['X-Tenant', 'blue', /must be lower-case letters/],
    ['x tenant', 'blue', /must be lower-case letters/],
    ['', 'blue', /must be lower-case letters/],
    [':authority', 'x', /must be lower-case letters/],
    ['grpc-timeout', '1S', /reserved for gRPC/],
    ['trace-bin', 'AAEC', /binary header/],
    ['authorization', 'Bearer other', /set by ztunnel or gRPC itself/],
    ['clusterid', 'other', /set by ztunnel or gRPC itself/],
    ['x-tenant', 'bl\nue', /outside printable ASCII/],
    ['x-tenant', 'blü', /outside printable ASCII/],
  ])('%s: %s', (name, value, want) => {
    const problem = headerProblem(name, value);
    if (want === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(want);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer  abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
  ])('%j → %j', (header, expected) => {
    const md = new Metadata();
    md.set('authorization', header);
    expect(bearerToken(md)).toBe(expected);
  });

  it('is undefined without the header', () => expect(bearerToken(new Metadata())).toBeUndefined());
});
