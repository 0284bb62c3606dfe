// The CA's home on disk in Istio's plug-in layout: created once, then always loaded — never silently
// regenerated, because a new root would cut every workload off.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, rm, access } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority, type CaMaterial, type CaOptions } from './ca.js';
import { SpiffeError } from './errors.js';

export const CA_FILES = {
  caCertPem: 'ca-cert.pem',
  caKeyPem: 'ca-key.pem',
  rootCertPem: 'root-cert.pem',
  certChainPem: 'cert-chain.pem',
} as const satisfies Record<keyof CaMaterial, string>;

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Writes `data` to `path` through a temporary file and a rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Writes the four files; the key with mode 0600, certificates 0644. */
export async function writeCaDirectory(dir: string, material: CaMaterial): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [field, file] of Object.entries(CA_FILES) as [keyof CaMaterial, string][]) {
    await writeFileAtomic(join(dir, file), material[field], field === 'caKeyPem' ? 0o600 : 0o644);
  }
}

/** Loads a complete CA directory; a missing or incomplete one throws SPIFFE_ERR_CA_DIR. */
export async function loadCaDirectory(dir: string, options: CaOptions): Promise<CertificateAuthority> {
  const present = await presentFiles(dir);
  const missing = Object.values(CA_FILES).filter((f) => !present.includes(f));
  if (missing.length > 0) {
    throw new SpiffeError(
      'SPIFFE_ERR_CA_DIR',
      `CA directory ${dir} is incomplete: missing ${missing.join(', ')}. Restore them (or empty the directory to start a new root, which cuts off every workload)`,
    );
  }
  const read = (file: string): Promise<string> => readFile(join(dir, file), 'utf8');
  const material: CaMaterial = {
    caCertPem: await read(CA_FILES.caCertPem),
    caKeyPem: await read(CA_FILES.caKeyPem),
    rootCertPem: await read(CA_FILES.rootCertPem),
    certChainPem: await read(CA_FILES.certChainPem),
  };
  return CertificateAuthority.fromMaterial(material, options);
}

/**
 * Loads the CA in `dir`, or creates a self-signed root there when the directory is absent or holds none of the
 * four files. `created` says which happened.
 */
export async function openCaDirectory(dir: string, options: CaOptions): Promise<{ ca: CertificateAuthority; created: boolean }> {
  if ((await presentFiles(dir)).length > 0) return { ca: await loadCaDirectory(dir, options), created: false };
  const ca = CertificateAuthority.createRoot(options);
  await writeCaDirectory(dir, ca.material);
  return { ca, created: true };
}

async function presentFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of Object.values(CA_FILES)) if (await exists(join(dir, file))) found.push(file);
  return found;
}
