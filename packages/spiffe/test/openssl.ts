// Runs the openssl command line, the independent verifier our certificates are checked against.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `files` into a temporary directory, runs openssl there, returns stdout+stderr and the exit status. */
export function openssl(args: readonly string[], files: Record<string, string | Buffer> = {}): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-openssl-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    try {
      const output = execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { status: 0, output };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { status: e.status, output: `${e.stdout}${e.stderr}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify -purpose <purpose>` of a leaf against a root bundle, intermediates untrusted. */
export function opensslVerify(purpose: 'sslclient' | 'sslserver', chain: readonly string[]): { status: number; output: string } {
  const [leaf, ...rest] = chain;
  const root = rest.at(-1) ?? '';
  const intermediates = rest.slice(0, -1).join('');
  const args = ['verify', '-purpose', purpose, '-CAfile', 'root.pem'];
  if (intermediates) args.push('-untrusted', 'inter.pem');
  args.push('leaf.pem');
  return openssl(args, { 'leaf.pem': leaf ?? '', 'root.pem': root, 'inter.pem': intermediates });
}
