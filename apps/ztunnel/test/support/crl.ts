// Certificate revocation lists made by openssl (a peer we did not write) with the mesh CA's own key, as an operator
// would publish one: `openssl ca -gencrl` over an index that lists the revoked serial numbers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONFIG = '[ ca ]\ndefault_ca = mesh\n[ mesh ]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 1\ncrlnumber = crlnumber\n';

/**
 * Writes to `out` a CRL signed by the CA in `caDir` (ambientd's state directory: ca-cert.pem, ca-key.pem) that
 * revokes `serials` (hex, as X509Certificate.serialNumber gives them); none makes an empty, still valid list.
 */
export function writeCrl(caDir: string, serials: readonly string[], out: string): void {
  const work = mkdtempSync(join(tmpdir(), 'crl-'));
  try {
    writeFileSync(join(work, 'ca.cnf'), CONFIG);
    writeFileSync(join(work, 'crlnumber'), '01\n');
    writeFileSync(join(work, 'index.txt'), serials.map((s) => `R\t491231235959Z\t260101000000Z\t${s}\tunknown\t/CN=revoked\n`).join(''));
    execFileSync('openssl', ['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', join(caDir, 'ca-key.pem'), '-cert', join(caDir, 'ca-cert.pem'), '-out', out], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
