// The produced resources on the wire: they survive toBinary/fromBinary, and Debian's protoc (an encoder we did not
// write) reads our bytes and, from the text istiod's message would have, produces a message equal to ours.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AuthorizationSchema } from '@ambient/api/security';
import { AddressSchema, type Address } from '@ambient/api/workload';
import { describe, expect, it } from 'vitest';
import { MeshConfig } from '../src/index.js';
import { quickstartFiles } from './fixtures.js';

const PROTO_DIR = join(import.meta.dirname, '..', '..', 'api', 'proto');

function protoc(mode: 'encode' | 'decode', input: Uint8Array | string): Buffer {
  return execFileSync('protoc', [`--${mode}=istio.workload.Address`, `-I${PROTO_DIR}`, '-I/usr/include', 'istio/workload/workload.proto'], { input });
}

const t = new MeshConfig().update(quickstartFiles());

function address(name: string): Address {
  const a = t.addresses.get(name);
  if (a === undefined) throw new Error(`no ${name}`);
  return a;
}

describe('wire', () => {
  it('every Address and Authorization round-trips through toBinary/fromBinary', () => {
    expect(t.addresses.size).toBe(3);
    for (const a of t.addresses.values()) expect(equals(AddressSchema, fromBinary(AddressSchema, toBinary(AddressSchema, a)), a)).toBe(true);
    for (const a of t.authorizations.values()) expect(equals(AuthorizationSchema, fromBinary(AuthorizationSchema, toBinary(AuthorizationSchema, a)), a)).toBe(true);
  });

  it('protoc decodes the echo workload with the names and numbers of workload.proto', () => {
    const text = protoc('decode', toBinary(AddressSchema, address('Kubernetes/networking.istio.io/WorkloadEntry/default/echo'))).toString('utf8');
    for (const line of [
      'uid: "Kubernetes/networking.istio.io/WorkloadEntry/default/echo"', 'addresses: "\\177\\000\\024\\001"', 'tunnel_protocol: HBONE',
      'service_account: "echo"', 'node: "node-b"', 'key: "default/echo.default.mesh"', 'target_port: 8080',
      'authorization_policies: "default/echo-allow-sleep"', 'cluster_id: "Kubernetes"', 'trust_domain: "cluster.local"',
    ]) expect(text).toContain(line);
  });

  it('protoc encodes the Service as istiod would send it to the same message', () => {
    const expected = `service {
  name: "echo"
  namespace: "default"
  hostname: "echo.default.mesh"
  addresses { address: "\\177\\140\\000\\012" }
  ports { service_port: 80 target_port: 8080 app_protocol: HTTP11 }
}`;
    const theirs = fromBinary(AddressSchema, new Uint8Array(protoc('encode', expected)));
    expect(equals(AddressSchema, theirs, address('default/echo.default.mesh'))).toBe(true);
  });
});
