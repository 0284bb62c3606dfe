// Where a live ztunnel's policies come from: --admin HOST:PORT, or --node NAME looked up in .ambient/run.json, then
// its /config_dump over HTTP (the same endpoint istioctl ztunnel-config reads).
import { resolve } from 'node:path';
import { AmbientctlError, usageError } from '../errors.js';
import { DEFAULT_RUN_FILE, readRunFile } from '../run-file.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;
const TIMEOUT_MS = 5000;

/** HOST:PORT of the ztunnel admin endpoint to ask. */
export async function ztunnelAdmin(flags: { node?: string; admin?: string }, cwd: string): Promise<string> {
  if (flags.admin !== undefined) {
    const m = HOST_PORT.exec(flags.admin);
    if (m === null || !(Number(m[2]) >= 1 && Number(m[2]) <= 65535)) throw usageError(`--admin "${flags.admin}" is not HOST:PORT`);
    return flags.admin;
  }
  const run = await readRunFile(resolve(cwd, DEFAULT_RUN_FILE));
  const z = run.ztunnels.find((x) => x.node === flags.node);
  if (z === undefined) throw usageError(`--node ${String(flags.node)}: the local mesh has no ztunnel on that node (nodes: ${run.ztunnels.map((x) => x.node).join(', ') || 'none'})`);
  return z.admin;
}

/** GET http://ADMIN/config_dump as JSON; unreachable or non-JSON answers are AMBIENTCTL_ERR_UNREACHABLE (exit 1). */
export async function fetchConfigDump(admin: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`http://${admin}/config_dump`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `cannot reach the ztunnel admin endpoint ${admin}: ${cause}`, { cause: err });
  }
  if (!response.ok) throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `ztunnel admin ${admin} answered /config_dump with HTTP ${response.status}`);
  try {
    return (await response.json()) as unknown;
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `ztunnel admin ${admin} answered /config_dump with something that is not JSON`, { cause: err });
  }
}
