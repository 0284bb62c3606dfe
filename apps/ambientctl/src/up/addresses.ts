// Addresses every part of `up` and `exec` agree on, with no dependencies, so `exec` loads without the planner.

/** Ports ztunnel binds on each local workload's own address (CONTRACTS.md). */
export const WORKLOAD_PORTS = { hbone: 15008, socks5: 15080, plaintext: 15006 } as const;

/** 'host:port', with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
