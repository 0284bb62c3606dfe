// istio.security.Authorization → domain model: valid resources (including bytes encoded by protoc, an encoder we did
// not write) are accepted; every malformed field is rejected with a reason that names it, for the NACK.
import { create, fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { Action, AuthorizationSchema, Scope } from '@ambient/api/security';
import { describe, expect, it } from 'vitest';
import { AuthzError, evaluate } from '../src/index.js';
import { fromXdsAuthorization, fromXdsAuthorizations } from '../src/xds/index.js';
import { plaintext, tls } from './helpers.js';
import { protocEncode } from './protoc.js';

type Init = MessageInitShape<typeof AuthorizationSchema>;
const authorization = (init: Init) => create(AuthorizationSchema, { name: 'p', namespace: 'backend', ...init });
const withMatch = (match: NonNullable<NonNullable<Init['groups']>[number]['rules']>[number]['matches'], extra: Init = {}) =>
  authorization({ groups: [{ rules: [{ matches: match }] }], ...extra });

describe('fromXdsAuthorization', () => {
  it('decodes protoc-encoded bytes and converts every field', () => {
    const bytes = protocEncode(`
      name: "allow-web" namespace: "backend" scope: WORKLOAD_SELECTOR action: ALLOW dry_run: true
      groups { rules { matches {
        namespaces { exact: "frontend" } not_namespaces { prefix: "kube-" }
        service_accounts { namespace: "frontend" serviceAccount: "web" } not_service_accounts { namespace: "x" serviceAccount: "y" }
        principals { suffix: "/sa/web" } not_principals { presence {} }
        source_ips { address: "\\x0a\\x00\\x00\\x00" length: 8 } not_source_ips { address: "\\x0a\\x00\\x00\\x09" length: 32 }
        destination_ips { address: "\\xfd\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00" length: 8 }
        not_destination_ips { address: "\\x7f\\x00\\x00\\x01" length: 32 }
        destination_ports: 8080 not_destination_ports: 9090
      } } }`);
    const policy = fromXdsAuthorization(fromBinary(AuthorizationSchema, bytes));
    expect(policy).toMatchObject({ key: 'backend/allow-web', scope: 'WORKLOAD_SELECTOR', action: 'ALLOW', dryRun: true });
    const m = policy.rules[0]?.[0]?.[0];
    expect(m).toMatchObject({
      namespaces: [{ type: 'exact', value: 'frontend' }],
      notNamespaces: [{ type: 'prefix', value: 'kube-' }],
      serviceAccounts: [{ namespace: 'frontend', serviceAccount: 'web' }],
      notServiceAccounts: [{ namespace: 'x', serviceAccount: 'y' }],
      principals: [{ type: 'suffix', value: '/sa/web' }],
      notPrincipals: [{ type: 'presence' }],
      destinationPorts: [8080],
      notDestinationPorts: [9090],
    });
    expect(m?.sourceIps.map((c) => c.text)).toEqual(['10.0.0.0/8']);
    expect(m?.notSourceIps.map((c) => c.text)).toEqual(['10.0.0.9/32']);
    expect(m?.destinationIps.map((c) => c.text)).toEqual(['fd00::/8']);
    expect(m?.notDestinationIps.map((c) => c.text)).toEqual(['127.0.0.1/32']);
  });

  it('maps the enums', () => {
    const global = fromXdsAuthorization(authorization({ scope: Scope.GLOBAL, action: Action.DENY }));
    expect(global).toMatchObject({ scope: 'GLOBAL', action: 'DENY', rules: [] });
    expect(fromXdsAuthorization(authorization({ scope: Scope.NAMESPACE })).scope).toBe('NAMESPACE');
  });

  it('keeps host bits in a CIDR and still matches on the prefix, as ztunnel does', () => {
    const p = fromXdsAuthorization(withMatch([{ sourceIps: [{ address: new Uint8Array([10, 0, 0, 77]), length: 24 }] }]));
    expect(p.rules[0]?.[0]?.[0]?.sourceIps[0]?.text).toBe('10.0.0.77/24');
    expect(evaluate(tls, [p]).allowed).toBe(true);
  });

  it('an empty match and an empty clause keep their meaning', () => {
    const empty = fromXdsAuthorization(withMatch([{}], { action: Action.DENY }));
    expect(evaluate(plaintext, [empty]).allowed).toBe(true);
    const all = fromXdsAuthorization(authorization({ action: Action.DENY, groups: [{ rules: [] }] }));
    expect(evaluate(plaintext, [all]).allowed).toBe(false);
  });
});

describe('malformed resources', () => {
  const v4 = (length: number) => ({ address: new Uint8Array([10, 0, 0, 0]), length });
  it.each<[string, ReturnType<typeof authorization>, string]>([
    ['address of 5 bytes', withMatch([{ sourceIps: [{ address: new Uint8Array(5), length: 8 }] }]), 'groups[0].rules[0].matches[0].sourceIps[0]: address has 5 bytes; expected 4 (IPv4) or 16 (IPv6)'],
    ['empty address', withMatch([{ notSourceIps: [{ address: new Uint8Array(0), length: 0 }] }]), 'groups[0].rules[0].matches[0].notSourceIps[0]: address has 0 bytes; expected 4 (IPv4) or 16 (IPv6)'],
    ['IPv4 prefix 33', withMatch([{ destinationIps: [v4(33)] }]), 'groups[0].rules[0].matches[0].destinationIps[0]: prefix length 33 is out of range for IPv4 (0 to 32)'],
    ['IPv6 prefix 129', withMatch([{ notDestinationIps: [{ address: new Uint8Array(16), length: 129 }] }]), 'groups[0].rules[0].matches[0].notDestinationIps[0]: prefix length 129 is out of range for IPv6 (0 to 128)'],
    ['port 0', withMatch([{ destinationPorts: [0] }]), 'groups[0].rules[0].matches[0].destinationPorts[0]: port 0 is out of range (1 to 65535)'],
    ['port 65536', withMatch([{ notDestinationPorts: [80, 65536] }]), 'groups[0].rules[0].matches[0].notDestinationPorts[1]: port 65536 is out of range (1 to 65535)'],
    ['unknown scope', authorization({ scope: 7 as Scope }), 'scope: unknown value 7; expected GLOBAL (0), NAMESPACE (1) or WORKLOAD_SELECTOR (2)'],
    ['unknown action (AUDIT is not on this wire)', authorization({ action: 2 as Action }), 'action: unknown value 2; expected ALLOW (0) or DENY (1)'],
    ['string match without a type', withMatch([{ principals: [{}] }]), 'groups[0].rules[0].matches[0].principals[0]: string match sets none of exact, prefix, suffix, presence'],
    ['empty name', authorization({ name: '' }), 'name: must not be empty'],
  ])('%s', (_title, resource, reason) => {
    const { accepted, rejected } = fromXdsAuthorizations([resource]);
    expect(accepted).toEqual([]);
    expect(rejected).toEqual([{ name: `backend/${resource.name}`, reason: `Authorization backend/${resource.name} rejected: ${reason}` }]);
    expect(() => fromXdsAuthorization(resource)).toThrow(AuthzError);
  });

  it('decodes an out-of-range enum from real bytes (protobuf-es keeps open enum values) and rejects it', () => {
    const bytes = protocEncode('name: "p" namespace: "backend" scope: 9');
    expect(() => fromXdsAuthorization(fromBinary(AuthorizationSchema, bytes))).toThrow(/scope: unknown value 9/);
  });

  it('accepts the good resources of a batch and rejects the bad ones, listing several problems', () => {
    const bad = withMatch([{ destinationPorts: [0, 70000], sourceIps: [v4(40)] }], { name: 'bad', scope: 5 as Scope });
    const { accepted, rejected } = fromXdsAuthorizations([authorization({ name: 'good' }), bad]);
    expect(accepted.map((p) => p.key)).toEqual(['backend/good']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBe(
      'Authorization backend/bad rejected: scope: unknown value 5; expected GLOBAL (0), NAMESPACE (1) or WORKLOAD_SELECTOR (2); ' +
        'groups[0].rules[0].matches[0].sourceIps[0]: prefix length 40 is out of range for IPv4 (0 to 32); ' +
        'groups[0].rules[0].matches[0].destinationPorts[0]: port 0 is out of range (1 to 65535); ' +
        'groups[0].rules[0].matches[0].destinationPorts[1]: port 70000 is out of range (1 to 65535)',
    );
  });

  it('caps a long list of problems', () => {
    const ports = [0, 0, 0, 0, 0, 0, 0];
    const reason = fromXdsAuthorizations([withMatch([{ destinationPorts: ports }])]).rejected[0]?.reason ?? '';
    expect(reason).toMatch(/; and 2 more$/);
  });
});
