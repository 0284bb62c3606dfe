// Errors of @ambient/netns: a topology that cannot be laid out, or an `ip`/`iptables` command the kernel refused.
import { AmbientError } from '@ambient/core';

export type NetnsErrorCode =
  /** The topology spec is malformed (bad or duplicate names, too many nodes or workloads, bad prefix). */
  | 'NETNS_ERR_SPEC'
  /** A command (`ip`, `iptables`, …) could not start or exited non-zero. */
  | 'NETNS_ERR_COMMAND'
  /** Not root: network namespaces, veth pairs and iptables need CAP_NET_ADMIN. */
  | 'NETNS_ERR_PRIVILEGE';

export class NetnsError extends AmbientError<NetnsErrorCode> {
  static override readonly family: string = 'NETNS';
}
