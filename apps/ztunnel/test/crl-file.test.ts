// --crl-path's file: checked at start (unreadable, no PEM CRL, a CRL OpenSSL cannot parse), and polled: a good new
// list takes over and is announced, a bad one is logged and the last good list stays.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@ambient/core';
import { CrlFile } from '../src/crl.js';
import { writeCrl } from './support/crl.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-crl-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/O=cluster.local', '-keyout', join(dir, 'ca-key.pem'), '-out', join(dir, 'ca-cert.pem')], { stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CrlFile', () => {
  it('reads a CRL openssl made', () => {
    writeCrl(dir, ['0A1B'], join(dir, 'one.pem'));
    const crl = new CrlFile(join(dir, 'one.pem'));
    expect(crl.pem).toContain('-----BEGIN X509 CRL-----');
    // Parsed too, for the check of live connections: the issuer's list with the one serial.
    expect(crl.lists.crls.map((c) => c.revoked.map((r) => r.serial))).toEqual([['0a1b']]);
  });

  it.each([
    ['a missing file', 'missing.pem', undefined, /--crl-path .*missing\.pem cannot be read: ENOENT/],
    ['a certificate, not a CRL', 'cert.pem', 'ca-cert', /holds no PEM CRL \(-----BEGIN X509 CRL-----\)/],
    ['an empty file', 'empty.pem', '', /holds no PEM CRL/],
    ['a CRL block OpenSSL cannot parse', 'junk.pem', '-----BEGIN X509 CRL-----\nbm90IGEgY3Js\n-----END X509 CRL-----\n', /is not a valid CRL/],
  ])('refuses %s, naming the file', (_name, file, content, message) => {
    const path = join(dir, file);
    if (content === 'ca-cert') execFileSync('cp', [join(dir, 'ca-cert.pem'), path]);
    else if (content !== undefined) writeFileSync(path, content);
    expect(() => new CrlFile(path)).toThrow(message);
  });

  it('takes a good new list when the file changes, and keeps it when a bad one follows', async () => {
    const path = join(dir, 'watched.pem');
    writeCrl(dir, [], path);
    const crl = new CrlFile(path);
    const lines: string[] = [];
    const log = createLogger({ name: 'test', destination: new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }) });
    let changes = 0;
    const stop = crl.watch(() => changes++, log, 50);
    try {
      const before = crl.pem;
      writeCrl(dir, ['0C0D'], path);
      await vi.waitFor(() => expect(changes).toBe(1), { timeout: 5_000, interval: 20 });
      expect(crl.pem).not.toBe(before);
      expect(crl.lists.crls[0]?.revoked.map((r) => r.serial)).toEqual(['0c0d']);
      const good = crl.pem;
      writeFileSync(path, 'not a CRL\n');
      await vi.waitFor(() => expect(lines.join('')).toMatch(/certificate revocation list not reloaded, keeping the previous one/), { timeout: 5_000, interval: 20 });
      expect(crl.pem).toBe(good);
      expect(changes).toBe(1);
    } finally {
      stop();
    }
  });
});
