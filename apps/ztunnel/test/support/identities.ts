// The SPIFFE identities of the test mesh's two workloads, as ztunnel logs and checks them: trust domain
// cluster.local, namespace default, one service account per workload.

/** The caller: the `sleep` workload's service account. */
export const SLEEP_ID = 'spiffe://cluster.local/ns/default/sa/sleep';
/** The server: the `echo` workload's service account. */
export const ECHO_ID = 'spiffe://cluster.local/ns/default/sa/echo';
