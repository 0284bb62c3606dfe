// `ambientctl create token`: a token that verifies with the state directory's key and carries the names; bad flags exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenKey, verifyToken } from '@ambient/spiffe';
import { run } from './support/run-cli.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-token-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ambientctl create token', () => {
  it('prints one JWT that verifies with --state-dir and carries namespace, service account, node and duration', async () => {
    const stateDir = tempDir();
    const r = await run(['create', 'token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', 'node-a', '--duration', '1h30m', '--state-dir', stateDir]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = verifyToken(r.out.trim(), await loadTokenKey(stateDir));
    expect(claims).toMatchObject({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a', audience: 'istio-ca' });
    expect(claims.expiresAt - claims.issuedAt).toBe(5400);
  });

  it('defaults to $AMBIENT_STATE_DIR, 24 h and no node', async () => {
    const stateDir = tempDir();
    const r = await run(['create', 'token', '--namespace', 'default', '--service-account', 'sleep'], { AMBIENT_STATE_DIR: stateDir });
    expect(r.code).toBe(0);
    const claims = verifyToken(r.out.trim(), await loadTokenKey(stateDir));
    expect(claims.expiresAt - claims.issuedAt).toBe(86_400);
    expect(claims.node).toBeUndefined();
  });

  it('defaults to ./.ambient/state under the working directory', async () => {
    const cwd = tempDir();
    const r = await run(['create', 'token', '--namespace', 'default', '--service-account', 'sleep'], {}, cwd);
    expect(r.code).toBe(0);
    expect(verifyToken(r.out.trim(), await loadTokenKey(join(cwd, '.ambient/state'))).serviceAccount).toBe('sleep');
  });

  it.each([
    [['--service-account', 'sa'], "ambientctl: --namespace is required (see 'ambientctl --help')\n"],
    [['--namespace', 'default'], "ambientctl: --service-account is required (see 'ambientctl --help')\n"],
    [['--namespace', 'default', '--service-account', 'sa', '--duration', '1d'], `ambientctl: --duration: a duration must be a positive count of h, m and s such as 24h, 1h30m or 90s, got "1d" (see 'ambientctl --help')\n`],
    [['--namespace', 'default', '--service-account', 'sa', '--duration', '0s'], /--duration: .*got "0s"/],
    [['--namespace', 'no/slash', '--service-account', 'sa'], /token claim 'namespace' must be a non-empty name/],
    [['--namespace', 'default', '--service-account', 'sa', '--node', 'a b'], /token claim 'node'/],
    [['--namespace', 'default', '--service-account', 'sa', '--frob'], "ambientctl: unknown option '--frob' (see 'ambientctl --help')\n"],
  ])('exits 2 with one sentence for %j', async (flags, message) => {
    const r = await run(['create', 'token', ...flags], { AMBIENT_STATE_DIR: tempDir() });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    if (typeof message === 'string') expect(r.err).toBe(message);
    else expect(r.err).toMatch(message);
  });

  it('exits 1 naming the key when the state directory holds an unreadable token key', async () => {
    const stateDir = tempDir();
    writeFileSync(join(stateDir, 'token-key.pem'), 'not a key');
    const r = await run(['create', 'token', '--namespace', 'default', '--service-account', 'sa', '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ambientctl: token key is unreadable/);
  });

  it('asks for what to create when the subcommand is missing', async () => {
    expect(await run(['create'])).toEqual({ code: 2, out: '', err: "ambientctl: 'create' needs what to create: token (see 'ambientctl --help')\n" });
  });

  it('has --help naming every flag', async () => {
    const r = await run(['create', 'token', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--namespace <NS>', '--service-account <SA>', '--node <NODE>', '--duration <D>', '--state-dir <DIR>']) expect(r.out).toContain(flag);
  });
});
