// The default upstream resolvers from resolv.conf text and files, and the errors that name what is missing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dnsUpstreams, parseResolvConf } from '../../src/dns/resolv-conf.js';

const dir = mkdtempSync(join(tmpdir(), 'resolv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseResolvConf', () => {
  it('takes nameserver lines in order, port 53, and skips everything else', () => {
    const text = [
      '# generated', 'search default.svc.cluster.local svc.cluster.local', 'nameserver 127.0.0.53', 'options ndots:5',
      'nameserver   fe80::1%eth0  # link-local with a zone', ';nameserver 127.0.0.9', 'nameserver dns.example', 'nameserver', 'nameserver ::1',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual([{ host: '127.0.0.53', port: 53 }, { host: 'fe80::1', port: 53 }, { host: '::1', port: 53 }]);
  });
});

describe('dnsUpstreams', () => {
  it('prefers the configured upstreams', () => {
    expect(dnsUpstreams([{ host: '127.0.0.2', port: 5353 }], join(dir, 'missing'))).toEqual([{ host: '127.0.0.2', port: 5353 }]);
  });

  it('reads the file when none are configured', () => {
    const file = join(dir, 'ok.conf');
    writeFileSync(file, 'nameserver 127.0.0.53\n');
    expect(dnsUpstreams([], file)).toEqual([{ host: '127.0.0.53', port: 53 }]);
  });

  it('names the file that cannot be read', () => {
    expect(() => dnsUpstreams([], join(dir, 'missing'))).toThrow(/--dns-capture needs upstream resolvers: give --dns-upstream, or a readable .*missing \(ENOENT/);
  });

  it('names a file without nameservers', () => {
    const file = join(dir, 'empty.conf');
    writeFileSync(file, 'search example\n');
    expect(() => dnsUpstreams([], file)).toThrow(`--dns-capture needs upstream resolvers: ${file} names no nameserver by IP; give --dns-upstream`);
  });
});
