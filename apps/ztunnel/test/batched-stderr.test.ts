// The batched log destination of the ztunnel process: lines arrive complete and in order, by timer, by size, through
// pino's flush, while a write is in flight, and synchronously when the process exits right after logging.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { BatchedWriter } from '../src/cli/batched-stderr.js';

const LOADER = fileURLToPath(new URL('../../../tools/source-loader.mjs', import.meta.url));
const MODULE = fileURLToPath(new URL('../src/cli/batched-stderr.ts', import.meta.url));

let dir: string;
let file: string;
let fd: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'batched-'));
  file = join(dir, 'log');
  fd = openSync(file, 'a');
});
afterEach(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});
const text = () => readFileSync(file, 'utf8');
const flushed = (w: BatchedWriter) => new Promise<void>((resolve) => w.flush(resolve));

describe('BatchedWriter', () => {
  it('writes queued lines once the flush delay has passed, in order', async () => {
    const w = new BatchedWriter(fd, { flushMs: 20 });
    w.write('one\n');
    w.write('two\n');
    await expect.poll(text).toBe('one\ntwo\n');
  });

  it('writes as soon as a batch is full, without waiting for the delay', async () => {
    const w = new BatchedWriter(fd, { flushMs: 600_000, batchBytes: 16 });
    for (const line of ['aaaaaa\n', 'bbbbbb\n', 'cccccc\n']) w.write(line);
    await expect.poll(text).toBe('aaaaaa\nbbbbbb\ncccccc\n');
  });

  it('keeps every line written while earlier batches are in flight', async () => {
    const w = new BatchedWriter(fd, { flushMs: 1, batchBytes: 64 });
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
    for (const [i, line] of lines.entries()) {
      w.write(line);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await flushed(w);
    expect(text()).toBe(lines.join(''));
  });

  it('serves as a pino destination, and logger.flush waits until the lines are out', async () => {
    const w = new BatchedWriter(fd, { flushMs: 600_000 });
    const log = createLogger({ name: 'ztunnel', destination: w });
    log.info({ 'src.addr': '127.0.0.1:1' }, 'connection complete');
    expect(text()).toBe('');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    expect(JSON.parse(text())).toMatchObject({ msg: 'connection complete', 'src.addr': '127.0.0.1:1', level: 'info' });
  });

  it('writes what is left when the process exits right after logging', () => {
    const script = join(dir, 'exit.mts');
    writeFileSync(script, `import { batchedStderr } from ${JSON.stringify(MODULE)};\nconst w = batchedStderr();\nfor (let i = 0; i < 500; i++) w.write('line ' + i + '\\n');\nprocess.exit(3);\n`);
    const result = spawnSync(process.execPath, ['--import', LOADER, script], { encoding: 'utf8' });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(''));
  });
});
