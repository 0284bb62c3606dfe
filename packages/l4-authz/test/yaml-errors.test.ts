// Malformed YAML and invalid objects: each is reported with file, line, object and field path, the object is left
// out, and the other objects in the same file still translate.
import { hasCode } from '@ambient/core';
import { describe, expect, it } from 'vitest';
import { AuthzError } from '../src/index.js';
import { translatePolicyFiles } from '../src/yaml/index.js';
import { ap, errorMessages, pa, translate } from './yaml-helpers.js';

const OBJ = 'policies.yaml:1: AuthorizationPolicy backend/p';
const PA = 'policies.yaml:1: PeerAuthentication backend/default';

describe('invalid AuthorizationPolicy fields', () => {
  it.each<[string, unknown, string]>([
    ['unknown spec field', { selectr: {} }, 'spec.selectr: unknown field; expected one of selector, targetRef, targetRefs, action, provider, rules'],
    ['bad action', { action: 'REJECT' }, 'spec.action: "REJECT" is not one of ALLOW, DENY, AUDIT, CUSTOM'],
    ['action not a string', { action: 1 }, 'spec.action: must be a string (quote it: "1"), got number 1'],
    ['rules not a list', { rules: { from: [] } }, 'spec.rules: must be a list, got a mapping'],
    ['DENY without rules', { action: 'DENY' }, 'spec.rules: DENY without rules never triggers; add an empty rule "{}" to match every connection'],
    ['null rule', { rules: [null] }, 'spec.rules[0]: rule must not be null'],
    ['selector and targetRefs', { selector: { matchLabels: { app: 'a' } }, targetRefs: [{ kind: 'Service', name: 's' }] }, 'spec: only one of targetRefs or selector can be set'],
    ['wildcard selector', { selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app: wildcard is not supported in selector: "app=a*"'],
    ['selector label not a string', { selector: { matchLabels: { version: 2 } } }, 'spec.selector.matchLabels.version: must be a string (quote it: "2"), got number 2'],
    ['targetRef kind', { targetRef: { kind: 'Pod', name: 'x' } }, 'spec.targetRef.kind: "/Pod" cannot be targeted; use Service, ServiceEntry, Gateway or GatewayClass'],
    ['targetRef namespace', { targetRefs: [{ kind: 'Service', name: 'x', namespace: 'y' }] }, 'spec.targetRefs[0].namespace: must not be set; cross namespace referencing is not supported'],
    ['provider without CUSTOM', { provider: { name: 'ext' } }, 'spec.provider: must not be set with action ALLOW'],
    ['CUSTOM without provider', { action: 'CUSTOM', rules: [{}] }, 'spec.provider.name: must not be empty with action CUSTOM'],
    ['unknown rule field', { rules: [{ form: [] }] }, 'spec.rules[0].form: unknown field; expected one of from, to, when'],
    ['from without source', { rules: [{ from: [{}] }] }, 'spec.rules[0].from[0].source: must be set'],
    ['empty source', { rules: [{ from: [{ source: {} }] }] }, 'spec.rules[0].from[0].source: must not be empty'],
    ['misspelt source field', { rules: [{ from: [{ source: { principal: ['x'] } }] }] }, 'spec.rules[0].from[0].source.principal: unknown field; expected one of principals, notPrincipals, requestPrincipals, notRequestPrincipals, namespaces, notNamespaces, serviceAccounts, notServiceAccounts, ipBlocks, notIpBlocks, remoteIpBlocks, notRemoteIpBlocks, trustDomains, notTrustDomains'],
    ['principals not a list', { rules: [{ from: [{ source: { principals: 'cluster.local/ns/a/sa/b' } }] }] }, 'spec.rules[0].from[0].source.principals: must be a list of strings, got string "cluster.local/ns/a/sa/b"'],
    ['empty principal', { rules: [{ from: [{ source: { principals: [''] } }] }] }, 'spec.rules[0].from[0].source.principals[0]: empty value not allowed'],
    ['bad IP', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.256'] } }] }] }, 'spec.rules[0].from[0].source.ipBlocks[0]: bad IP address "10.0.0.256"'],
    ['bad CIDR', { rules: [{ from: [{ source: { notIpBlocks: ['10.0.0.0/33'] } }] }] }, 'spec.rules[0].from[0].source.notIpBlocks[0]: bad CIDR range "10.0.0.0/33"'],
    ['bad remote IP', { rules: [{ from: [{ source: { remoteIpBlocks: ['::1::2'] } }] }] }, 'spec.rules[0].from[0].source.remoteIpBlocks[0]: bad IP address "::1::2"'],
    ['service account format', { rules: [{ from: [{ source: { serviceAccounts: ['a/b/c'] } }] }] }, 'spec.rules[0].from[0].source.serviceAccounts[0]: expected format \'serviceAccount\' or \'namespace/serviceAccount\', found "a/b/c"'],
    ['service account wildcard', { rules: [{ from: [{ source: { notServiceAccounts: ['ns/*'] } }] }] }, 'spec.rules[0].from[0].source.notServiceAccounts[0]: wildcard not allowed in "ns/*"'],
    ['service accounts with namespaces', { rules: [{ from: [{ source: { serviceAccounts: ['a'], namespaces: ['b'] } }] }] }, 'spec.rules[0].from[0].source: cannot set serviceAccounts with namespaces or principals'],
    ['to without operation', { rules: [{ to: [{}] }] }, 'spec.rules[0].to[0].operation: must be set'],
    ['empty operation', { rules: [{ to: [{ operation: {} }] }] }, 'spec.rules[0].to[0].operation: must not be empty'],
    ['port as a number', { rules: [{ to: [{ operation: { ports: [8080] } }] }] }, 'spec.rules[0].to[0].operation.ports[0]: must be a string (quote it: "8080"), got number 8080'],
    ['port by name', { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }, 'spec.rules[0].to[0].operation.ports[0]: bad port "http": expected a number from 1 to 65535'],
    ['port too large', { rules: [{ to: [{ operation: { notPorts: ['65536'] } }] }] }, 'spec.rules[0].to[0].operation.notPorts[0]: bad port "65536": expected a number from 1 to 65535'],
    ['port 0', { rules: [{ to: [{ operation: { ports: ['0'] } }] }] }, 'spec.rules[0].to[0].operation.ports[0]: port 0 never matches a connection: expected a number from 1 to 65535'],
    ['bad path template', { rules: [{ to: [{ operation: { paths: ['/a/{**}/b/{*}'] } }] }] }, 'spec.rules[0].to[0].operation.paths[0]: invalid path "/a/{**}/b/{*}": {**} is not the last operator'],
    ['when without key', { rules: [{ when: [{ values: ['x'] }] }] }, 'spec.rules[0].when[0].key: must not be empty'],
    ['when without values', { rules: [{ when: [{ key: 'source.ip' }] }] }, 'spec.rules[0].when[0]: at least one of values or notValues must be set for key source.ip'],
    ['unknown when key', { rules: [{ when: [{ key: 'source.pod', values: ['x'] }] }] }, 'spec.rules[0].when[0].key: unknown attribute: source.pod'],
    ['replaced when key', { rules: [{ when: [{ key: 'destination.namespace', values: ['x'] }] }] }, 'spec.rules[0].when[0].key: attribute destination.namespace is replaced by metadata.namespace'],
    ['bad header key', { rules: [{ when: [{ key: 'request.headers', values: ['x'] }] }] }, 'spec.rules[0].when[0].key: bad key "request.headers": should have the format a[b]'],
    ['bad when IP', { rules: [{ when: [{ key: 'destination.ip', notValues: ['nope'] }] }] }, 'spec.rules[0].when[0].notValues: bad IP address "nope"'],
    ['bad when port', { rules: [{ when: [{ key: 'destination.port', values: ['80', 'x'] }] }] }, 'spec.rules[0].when[0].values: bad port "x": expected a number from 1 to 65535'],
  ])('%s', (_title, spec, problem) => {
    const t = translate(`${ap({ rules: [{}] }, 'fine')}---\n${ap(spec)}`);
    const messages = errorMessages(t).map((m) => m.replace(/^policies\.yaml:\d+: /, 'policies.yaml:1: '));
    expect(messages).toEqual([`${OBJ}: ${problem}`]);
    expect(t.policies.map((p) => p.authorization.name)).toEqual(['fine']);
    expect(t.errors.every((e) => e instanceof AuthzError && hasCode(e, 'AUTHZ_ERR_YAML_INVALID'))).toBe(true);
    expect(t.errors[0]?.location).toMatchObject({ file: 'policies.yaml', object: 'AuthorizationPolicy backend/p' });
  });

  it('points at the line of the offending field', () => {
    const text = ['apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata: {name: p, namespace: backend}', 'spec:', '  rules:', '  - to:', '    - operation:', '        ports: ["80", "99999"]'].join('\n');
    const [error] = translate(text).errors;
    expect(error?.location).toEqual({ file: 'policies.yaml', line: 8, object: 'AuthorizationPolicy backend/p', path: 'spec.rules[0].to[0].operation.ports[1]' });
    expect(error?.message).toBe('policies.yaml:8: AuthorizationPolicy backend/p: spec.rules[0].to[0].operation.ports[1]: bad port "99999": expected a number from 1 to 65535');
  });
});

describe('invalid PeerAuthentication fields', () => {
  it.each<[string, unknown, string]>([
    ['bad mode', { mtls: { mode: 'ON' } }, 'spec.mtls.mode: "ON" is not one of UNSET, DISABLE, PERMISSIVE, STRICT'],
    ['unknown field', { mtls: { mode: 'STRICT', strict: true } }, 'spec.mtls.strict: unknown field; expected one of mode'],
    ['port-level without selector', { portLevelMtls: { 8080: { mode: 'STRICT' } } }, 'spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS'],
    ['empty port-level', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: {} }, 'spec.portLevelMtls: port level mTLS, if defined, must have at least one element'],
    ['port 0', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 0: { mode: 'STRICT' } } }, 'spec.portLevelMtls.0: port "0" must be in range 1..65535'],
    ['port name', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: { http: { mode: 'STRICT' } } }, 'spec.portLevelMtls.http: port "http" must be in range 1..65535'],
    ['port mode', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 8080: { mode: 'MAYBE' } } }, 'spec.portLevelMtls.8080.mode: "MAYBE" is not one of UNSET, DISABLE, PERMISSIVE, STRICT'],
  ])('%s', (_title, spec, problem) => {
    const messages = errorMessages(translate(pa(spec))).map((m) => m.replace(/^policies\.yaml:\d+: /, 'policies.yaml:1: '));
    expect(messages).toEqual([`${PA}: ${problem}`]);
  });
});

describe('invalid documents and envelopes', () => {
  const v1 = (rest: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n${rest}`;
  it.each<[string, string, string[]]>([
    ['YAML syntax error', 'kind: [unclosed\n', ['policies.yaml:2: Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['duplicate key', 'a: 1\na: 2\n', ['policies.yaml:2: Map keys must be unique']],
    ['a list instead of an object', '- 1\n- 2\n', ['policies.yaml:1: object default/(unnamed): must be a mapping, got a list']],
    ['no apiVersion or kind', 'metadata: {name: x}\n', ['policies.yaml:1: object default/x: not a Kubernetes object: apiVersion and kind are required']],
    ['unsupported version', 'apiVersion: security.istio.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: x}\n', ['policies.yaml:1: AuthorizationPolicy default/x: apiVersion: "security.istio.io/v1alpha1" is not supported; use security.istio.io/v1 or security.istio.io/v1beta1']],
    ['version missing', 'apiVersion: security.istio.io\nkind: AuthorizationPolicy\nmetadata: {name: x}\n', ['policies.yaml:1: AuthorizationPolicy default/x: apiVersion: "security.istio.io" is not supported; use security.istio.io/v1 or security.istio.io/v1beta1']],
    ['misspelt kind', 'apiVersion: security.istio.io/v1\nkind: AuthorisationPolicy\nmetadata: {name: x}\n', ['policies.yaml:2: AuthorisationPolicy default/x: kind: "AuthorisationPolicy" is not a security.istio.io kind; expected AuthorizationPolicy, PeerAuthentication or RequestAuthentication']],
    ['missing name', v1('metadata: {namespace: a}\n'), ['policies.yaml:3: AuthorizationPolicy a/: metadata.name: is required']],
    ['bad name', v1('metadata: {name: Allow_All}\n'), ['policies.yaml:3: AuthorizationPolicy default/Allow_All: metadata.name: "Allow_All" is not a valid name (lower-case letters, digits, \'-\' and \'.\')']],
    ['bad namespace', v1('metadata: {name: x, namespace: a.b}\n'), ['policies.yaml:3: AuthorizationPolicy a.b/x: metadata.namespace: "a.b" is not a valid namespace name']],
    ['bad timestamp', v1('metadata: {name: x, creationTimestamp: yesterday}\n'), ['policies.yaml:3: AuthorizationPolicy default/x: metadata.creationTimestamp: must be an RFC 3339 time such as 2024-01-02T03:04:05Z']],
    ['unknown top-level field', v1('metadata: {name: x}\nspecs: {}\n'), ['policies.yaml:4: AuthorizationPolicy default/x: specs: unknown field; expected one of apiVersion, kind, metadata, spec, status']],
    ['spec not a mapping', v1('metadata: {name: x}\nspec: []\n'), ['policies.yaml:4: AuthorizationPolicy default/x: spec: must be a mapping, got a list']],
  ])('%s', (_title, text, messages) => {
    const t = translate(text);
    expect(errorMessages(t)).toEqual(messages);
    expect(t.policies).toEqual([]);
  });

  it('reports syntax errors with their own code and keeps the good documents of the file', () => {
    const t = translate(`${ap({ rules: [{}] }, 'good')}---\nkey: "unterminated\n`);
    expect(t.errors.map((e) => e.code)).toEqual(['AUTHZ_ERR_YAML_SYNTAX']);
    expect(t.policies.map((p) => p.authorization.name)).toEqual(['good']);
  });

  it('skips other kinds, RequestAuthentication and empty documents', () => {
    const jwt = 'apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt}\nspec: {}\n';
    const t = translate(`---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n${jwt}---\n${ap({ rules: [{}] })}`);
    expect(t.errors).toEqual([]);
    expect(t.policies).toHaveLength(1);
  });

  it('rejects a second object with the same kind, namespace and name, across files, naming the first', () => {
    const t = translatePolicyFiles([{ file: 'a.yaml', text: ap({ rules: [{}] }) }, { file: 'b.yaml', text: ap({}) }]);
    expect(errorMessages(t)).toEqual(['b.yaml:4: AuthorizationPolicy backend/p: metadata.name: duplicate of the object at a.yaml:1']);
    expect(t.policies).toHaveLength(1);
  });

  it('defaults the namespace to "default" as kubectl does', () => {
    const t = translate(v1('metadata: {name: x}\nspec: {rules: [{}]}\n'));
    expect(t.policies[0]?.authorization.namespace).toBe('default');
  });
});
