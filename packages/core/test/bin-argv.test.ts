import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinError, binArgv, missingBinFlags, parseShebang, shebangNodeFlags } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bin-argv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bin that prints the flags node started it with. */
function writeBin(name: string, shebang: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${shebang}\nprocess.stdout.write(JSON.stringify(process.execArgv));\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('binArgv', () => {
  it('gives node the flags of the shebang, as running the bin by name does', () => {
    const bin = writeBin('flagged.mjs', '#!/usr/bin/env -S node --min-semi-space-size=16 --no-warnings');
    expect(binArgv(bin, ['--node', 'node-a'])).toEqual(['--min-semi-space-size=16', '--no-warnings', bin, '--node', 'node-a']);
    const viaExecPath = execFileSync(process.execPath, binArgv(bin), { encoding: 'utf8' });
    const byName = execFileSync(bin, [], { encoding: 'utf8', env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env['PATH'] ?? ''}` } });
    expect(JSON.parse(viaExecPath)).toEqual(['--min-semi-space-size=16', '--no-warnings']);
    expect(JSON.parse(byName)).toEqual(JSON.parse(viaExecPath));
  });

  it('adds nothing for a plain node shebang', () => {
    const bin = writeBin('plain.mjs', '#!/usr/bin/env node');
    expect(shebangNodeFlags(bin)).toEqual([]);
    expect(binArgv(bin)).toEqual([bin]);
  });

  it('names the bin and what is wrong with a shebang it cannot use', () => {
    const cases: [string, RegExp][] = [
      ['#!/bin/sh', /first line should be "#!\/usr\/bin\/env node".*found "#!\/bin\/sh"/],
      ['', /found ""/],
      ['#!/usr/bin/env -S node ', /only node flags.*found ""/],
      ['#!/usr/bin/env -S node --ok script.js', /only node flags.*found "script.js"/],
      ['#!/usr/bin/env -S python3 -u', /first line should be/],
    ];
    for (const [line, message] of cases) {
      const err = (() => {
        try {
          parseShebang(line, '/x/bin/tool.js');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, line).toBeInstanceOf(BinError);
      expect((err as BinError).code).toBe('BIN_ERR_SHEBANG');
      expect((err as Error).message).toContain('/x/bin/tool.js');
      expect((err as Error).message).toMatch(message);
    }
  });

  it('says which bin it could not read', () => {
    expect(() => shebangNodeFlags(join(dir, 'missing.js'))).toThrow(/cannot read bin .*missing\.js: ENOENT/);
  });

  it('reads a bin of one line with no newline', () => {
    const file = join(dir, 'one-line.js');
    writeFileSync(file, '#!/usr/bin/env -S node --no-warnings');
    expect(shebangNodeFlags(file)).toEqual(['--no-warnings']);
  });

  it('lists the shebang flags a process was started without, counting NODE_OPTIONS', () => {
    const bin = writeBin('two-flags.mjs', '#!/usr/bin/env -S node --min-semi-space-size=16 --no-warnings');
    expect(missingBinFlags(bin, ['--min-semi-space-size=16', '--no-warnings'], '')).toEqual([]);
    expect(missingBinFlags(bin, ['--no-warnings'], '')).toEqual(['--min-semi-space-size=16']);
    expect(missingBinFlags(bin, [], '--max-old-space-size=512 --min-semi-space-size=16')).toEqual(['--no-warnings']);
    expect(missingBinFlags(bin, ['--min-semi-space-size=8'], '')).toEqual(['--min-semi-space-size=16', '--no-warnings']);
  });
});
