// A channel that dials an IP: no IP goes out as the TLS server name (RFC 6066; Node's DEP0123 warning), and the
// server certificate is still checked against the IP that was dialled. Real gRPC over TLS on loopback, openssl certs.
import { create } from '@bufbuild/protobuf';
import { Server, status, type ServiceError } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IstioCertificateRequestSchema, IstioCertificateResponseSchema } from '@ambient/api/ca';
import { IP_TARGET_SERVER_NAME, IstioCertificateClient, callMetadata, channelCredentials, channelOptions, istioCertificateService, serverCredentials } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'grpc-ip-'));
const servers: Server[] = [];
const warnings: string[] = [];
const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? w.message);

/** A CA server on 127.0.0.1 with a certificate carrying `san`; returns its address and trust anchor. */
async function serve(name: string, san: string): Promise<{ address: string; rootPem: string }> {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-addext', `subjectAltName=${san}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`),
  ], { stdio: 'ignore' });
  const rootPem = readFileSync(join(dir, `${name}.pem`), 'utf8');
  const server = new Server();
  server.addService(istioCertificateService, {
    createCertificate: (call: { request: { csr: string } }, callback: (err: null, value: unknown) => void) =>
      callback(null, create(IstioCertificateResponseSchema, { certChain: [call.request.csr] })),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials({ certChainPem: rootPem, keyPem: readFileSync(join(dir, `${name}.key`), 'utf8') }), (err, p) => (err ? reject(err) : resolve(p))),
  );
  servers.push(server);
  return { address: `127.0.0.1:${port}`, rootPem };
}

function call(address: string, rootPem: string): Promise<{ certChain: string[] } | ServiceError> {
  const client = new IstioCertificateClient(address, channelCredentials({ rootPem }, address), channelOptions({ rootPem }, address));
  return new Promise((resolve) =>
    client.createCertificate(create(IstioCertificateRequestSchema, { csr: 'CSR' }), callMetadata('t'), { deadline: Date.now() + 5000 }, (err, value) => {
      client.close();
      resolve(err ?? value ?? new Error('no answer') as ServiceError);
    }),
  );
}

beforeAll(() => {
  process.on('warning', onWarning);
});

afterAll(() => {
  process.off('warning', onWarning);
  for (const s of servers) s.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('a channel to an IP address', () => {
  it('sends istiod’s name, not the IP, and verifies the certificate’s IP SAN', async () => {
    const { address, rootPem } = await serve('with-ip', 'IP:127.0.0.1');
    expect(await call(address, rootPem)).toMatchObject({ certChain: ['CSR'] });
    await new Promise((r) => setImmediate(r));
    expect(warnings).not.toContain('DEP0123');
    expect(channelOptions({ rootPem }, address)['grpc.ssl_target_name_override']).toBe(IP_TARGET_SERVER_NAME);
  });

  it('still refuses a certificate without the dialled IP, even one naming istiod', async () => {
    const { address, rootPem } = await serve('dns-only', `DNS:${IP_TARGET_SERVER_NAME}`);
    const result = await call(address, rootPem);
    expect((result as ServiceError).code).toBe(status.UNAVAILABLE);
  });

  it('leaves a host name target and a pinned server name as they were', () => {
    expect(channelOptions({ rootPem: '' }, 'istiod.istio-system.svc:15012')['grpc.ssl_target_name_override']).toBeUndefined();
    expect(channelOptions({ rootPem: '', serverName: 'x.example' }, '127.0.0.1:1')['grpc.ssl_target_name_override']).toBe('x.example');
    expect(channelOptions({ rootPem: '' }, '[::1]:15012')['grpc.ssl_target_name_override']).toBe(IP_TARGET_SERVER_NAME);
  });
});
