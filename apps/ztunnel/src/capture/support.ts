// Whether this process may run --capture iptables: it needs SO_ORIGINAL_DST (the optional addon) and a network
// namespace of its own.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { originalDstSupport } from '@ambient/original-dst';
import { ZtunnelError } from '../errors.js';

type Support = ReturnType<typeof originalDstSupport>;

/** Throws ZTUNNEL_ERR_CAPTURE naming why the addon is missing; `support` is injectable for tests. */
export function requireOriginalDst(support: Support = originalDstSupport()): void {
  if (!support.available) throw new ZtunnelError('ZTUNNEL_ERR_CAPTURE', `--capture iptables needs the SO_ORIGINAL_DST addon: ${support.reason}`);
}

/**
 * Refuses to run outside a network namespace of the mesh's own: the capture rules redirect every TCP connection
 * forwarded through the namespace, which must be a node namespace (named by `ip netns`, or at least not PID 1's),
 * never the machine's. `own` is `net:[inode]`; `named` the inodes under /run/netns; `init` PID 1's, when readable.
 */
export function requireNodeNamespace(own: string = netnsOf('self'), named: readonly number[] = namedNamespaces(), init: string | undefined = initNamespace()): void {
  const inode = Number(/^net:\[(\d+)\]$/.exec(own)?.[1]);
  if (named.includes(inode)) return;
  if (init !== undefined && init !== own) return;
  throw new ZtunnelError(
    'ZTUNNEL_ERR_CAPTURE',
    `--capture iptables redirects every TCP connection forwarded through its network namespace, so it runs only in a node namespace of its own (e.g. \`ip netns exec NODE ztunnel …\`); this process is in ${own}, which is no namespace under /run/netns${init === own ? " and is PID 1's" : ''}`,
  );
}

function netnsOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_CAPTURE', `--capture iptables cannot tell which network namespace it runs in: ${(err as Error).message}`, { cause: err });
  }
}

function initNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/1/ns/net');
  } catch {
    return undefined; // not ours to read (a sandbox): the named-namespace check decides alone
  }
}

function namedNamespaces(dir = '/run/netns'): number[] {
  try {
    return readdirSync(dir).map((name) => statSync(join(dir, name)).ino);
  } catch {
    return [];
  }
}
