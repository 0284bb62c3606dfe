// Test PKI made by openssl (a certificate authority we did not write): a root, and leaves whose only SAN is a
// SPIFFE URI, with the EKUs Istio's CA gives (serverAuth + clientAuth).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsMaterial } from '../src/index.js';

export interface TestPki {
  readonly dir: string;
  readonly rootPem: string;
  leaf(identity: string, options?: { days?: number; eku?: string }): TlsMaterial;
  /** A leaf valid only between two dates (openssl `ca`), for expired and not-yet-valid peers. */
  datedLeaf(identity: string, notBefore: Date, notAfter: Date): TlsMaterial;
  /** A second, unrelated root and a leaf under it. */
  foreignLeaf(identity: string): TlsMaterial;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeRoot(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/O=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', `${name}-key.pem`, '-out', `${name}.pem`], dir);
}

let serial = 1;

function makeLeaf(dir: string, root: string, identity: string, days: number, eku: string): TlsMaterial {
  const name = `leaf-${serial++}`;
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/',
    '-keyout', `${name}-key.pem`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), [
    `subjectAltName=critical,URI:${identity}`,
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    'basicConstraints=critical,CA:FALSE',
  ].join('\n'));
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${root}.pem`, '-CAkey', `${root}-key.pem`, '-set_serial', String(serial),
    '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  const rootPem = readFileSync(join(dir, `${root}.pem`), 'utf8');
  return {
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}-key.pem`), 'utf8'),
    ca: rootPem,
  };
}

function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

function makeDatedLeaf(dir: string, identity: string, notBefore: Date, notAfter: Date): TlsMaterial {
  const name = `dated-${serial++}`;
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${(1000 + serial).toString(16).padStart(4, '0')}\n`);
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
    'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = optional',
  ].join('\n'));
  writeFileSync(join(dir, `${name}.ext`), [
    `subjectAltName=critical,URI:${identity}`,
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
  ].join('\n'));
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=dated',
    '-keyout', `${name}-key.pem`, '-out', `${name}.csr`], dir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'root.pem', '-keyfile', 'root-key.pem', '-in', `${name}.csr`,
    '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter), '-extfile', `${name}.ext`, '-notext',
    '-out', `${name}.pem`], dir);
  return {
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}-key.pem`), 'utf8'),
    ca: readFileSync(join(dir, 'root.pem'), 'utf8'),
  };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'hbone-pki-'));
  makeRoot(dir, 'root');
  let foreignMade = false;
  return {
    dir,
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    datedLeaf: (identity, notBefore, notAfter) => makeDatedLeaf(dir, identity, notBefore, notAfter),
    leaf: (identity, options = {}) => makeLeaf(dir, 'root', identity, options.days ?? 1, options.eku ?? 'serverAuth,clientAuth'),
    foreignLeaf: (identity) => {
      if (!foreignMade) makeRoot(dir, 'foreign');
      foreignMade = true;
      return makeLeaf(dir, 'foreign', identity, 1, 'serverAuth,clientAuth');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const ID = {
  client: 'spiffe://cluster.local/ns/default/sa/sleep',
  server: 'spiffe://cluster.local/ns/default/sa/echo',
  gateway: 'spiffe://cluster.local/ns/istio-system/sa/eastwest',
  otherDomain: 'spiffe://other.example/ns/default/sa/sleep',
};
