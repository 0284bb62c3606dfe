// The state directory: the mesh CA in Istio's plug-in layout and the token key, created on first start and
// reused on every later one (a new root would cut every workload off). Keys are written 0600, atomically.
import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { openCaDirectory, openTokenKey, type CertificateAuthority } from '@ambient/spiffe';
import { AmbientdError } from './errors.js';

export interface State {
  readonly ca: CertificateAuthority;
  readonly tokenKey: KeyObject;
  /** True when this call made a new root (first start). */
  readonly caCreated: boolean;
}

export async function openStateDir(dir: string, trustDomain: string): Promise<State> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { ca, created } = await openCaDirectory(dir, { trustDomain });
    return { ca, tokenKey: (await openTokenKey(dir)).key, caCreated: created };
  } catch (err) {
    throw new AmbientdError('AMBIENTD_ERR_STATE_DIR', `state directory ${dir} is unusable: ${(err as Error).message}`, { cause: err });
  }
}
