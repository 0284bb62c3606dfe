// Reads the benchmark's certificate files back as TLS material.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsMaterial } from '../src/index.js';

export function readMaterial(dir: string, name: string): TlsMaterial {
  return {
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    ca: readFileSync(join(dir, `${name}.ca`), 'utf8'),
  };
}
