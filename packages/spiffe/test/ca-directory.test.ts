// The CA directory in Istio's plug-in layout: created once with safe modes, reloaded on restart, never regenerated.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CA_FILES, createCsr, generateKeyPair, loadCaDirectory, openCaDirectory, writeCaDirectory } from '../src/index.js';
import { createTestIntermediateCa } from '../src/testing/index.js';
import { opensslVerify } from './openssl.js';

const ID = 'spiffe://cluster.local/ns/default/sa/echo';
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-ca-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openCaDirectory', () => {
  it('creates the four files, the key with mode 0600, and leaves no temporary files', async () => {
    const dir = join(tempDir(), 'ca');
    const { ca, created } = await openCaDirectory(dir, { trustDomain: 'cluster.local' });
    expect(created).toBe(true);
    expect(statSync(join(dir, CA_FILES.caKeyPem)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, CA_FILES.caCertPem)).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, CA_FILES.rootCertPem), 'utf8')).toBe(ca.rootBundlePem);
    expect(readdirSync(dir).sort()).toEqual(Object.values(CA_FILES).sort());
  });

  it('issues from the same root after a restart', async () => {
    const dir = tempDir();
    const first = await openCaDirectory(dir, { trustDomain: 'cluster.local' });
    const second = await openCaDirectory(dir, { trustDomain: 'cluster.local' });
    expect(second.created).toBe(false);
    expect(second.ca.rootBundlePem).toBe(first.ca.rootBundlePem);
    const chain = second.ca.sign(createCsr(ID, generateKeyPair().privateKey), { identity: ID });
    expect(opensslVerify('sslclient', [chain[0] as string, first.ca.rootBundlePem])).toMatchObject({ status: 0 });
  });

  it('loads an intermediate CA written in the plug-in layout', async () => {
    const dir = tempDir();
    const intermediate = createTestIntermediateCa();
    await writeCaDirectory(dir, intermediate.material);
    const ca = await loadCaDirectory(dir, { trustDomain: 'cluster.local' });
    const chain = ca.sign(createCsr(ID, generateKeyPair().privateKey), { identity: ID });
    expect(chain).toHaveLength(3);
    expect(opensslVerify('sslserver', chain)).toMatchObject({ status: 0 });
  });

  it('refuses an incomplete directory instead of regenerating the root', async () => {
    const dir = tempDir();
    await openCaDirectory(dir, { trustDomain: 'cluster.local' });
    rmSync(join(dir, CA_FILES.caKeyPem));
    const before = readFileSync(join(dir, CA_FILES.rootCertPem), 'utf8');
    await expect(openCaDirectory(dir, { trustDomain: 'cluster.local' })).rejects.toMatchObject({
      code: 'SPIFFE_ERR_CA_DIR',
      message: expect.stringContaining('missing ca-key.pem'),
    });
    expect(readFileSync(join(dir, CA_FILES.rootCertPem), 'utf8')).toBe(before);
  });

  it('refuses a corrupted key file', async () => {
    const dir = tempDir();
    await openCaDirectory(dir, { trustDomain: 'cluster.local' });
    writeFileSync(join(dir, CA_FILES.caKeyPem), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await expect(loadCaDirectory(dir, { trustDomain: 'cluster.local' })).rejects.toMatchObject({ code: 'SPIFFE_ERR_CA_MATERIAL' });
  });

  it('refuses to load an empty directory', async () => {
    await expect(loadCaDirectory(tempDir(), { trustDomain: 'cluster.local' })).rejects.toMatchObject({ code: 'SPIFFE_ERR_CA_DIR' });
  });
});
