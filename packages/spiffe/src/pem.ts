// PEM armour: split bundles into blocks, encode DER, and refuse anything that is not clean base64 PEM.
import { SpiffeError } from './errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/g;

/** Every block of the given label (e.g. 'CERTIFICATE') in a PEM text, as DER. Throws when there is none. */
export function pemBlocks(pem: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  for (const match of pem.matchAll(BLOCK)) {
    if (match[1] !== label) continue;
    const body = (match[2] ?? '').replace(/\s+/g, '');
    const der = Buffer.from(body, 'base64');
    if (der.length === 0 || der.toString('base64') !== body) {
      throw new SpiffeError('SPIFFE_ERR_BAD_PEM', `a ${label} PEM block is not valid base64`);
    }
    out.push(der);
  }
  if (out.length === 0) throw new SpiffeError('SPIFFE_ERR_BAD_PEM', `no '${label}' PEM block found`);
  return out;
}

/** The single block of `label`; more than one is an error. */
export function pemBlock(pem: string, label: string): Buffer {
  const blocks = pemBlocks(pem, label);
  if (blocks.length !== 1) {
    throw new SpiffeError('SPIFFE_ERR_BAD_PEM', `expected one '${label}' PEM block, found ${blocks.length}`);
  }
  return blocks[0] as Buffer;
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
