// Bench helper run as a child process: the 50 fan-out clients, apart from the server as real ztunnels are.
import { createLogger } from '@ambient/core';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { XdsClient, type Batch, type ResourceType } from '../src/index.js';

/** What the parent tells this process to do. */
export type ClientsCommand =
  | { readonly kind: 'connect'; readonly ports: readonly number[]; readonly rootPem: string }
  | { readonly kind: 'await'; readonly name: string }
  | { readonly kind: 'close' };

export type ClientsReport =
  | { readonly kind: 'ready'; readonly rssBefore: number; readonly rssAfter: number }
  | { readonly kind: 'armed' }
  /** Times on this process's clock: only their difference means anything to the parent. */
  | { readonly kind: 'seen'; readonly first: number; readonly last: number };

/**
 * The clients keep each resource's bytes instead of decoding them: 50 clients in one process would otherwise
 * measure 50 copies of one client's Address decode, where each real ztunnel decodes once in its own process. One
 * client with the real Address type is measured on its own by the parent.
 */
const opaqueAddress: ResourceType<Uint8Array> = {
  typeUrl: ADDRESS_TYPE_URL,
  decode: (any) => (any.typeUrl === ADDRESS_TYPE_URL ? { value: any.value } : { error: 'wrong type' }),
  equal: (a, b) => Buffer.compare(a, b) === 0,
};

const quiet = createLogger({ name: 'bench-clients', level: 'silent' });
const send = (report: ClientsReport) => process.send?.(report);
let clients: XdsClient[] = [];
let awaited: { name: string; seen: number[] } | undefined;

function onBatch(index: number) {
  return (batch: Batch) => {
    const a = awaited;
    if (!a || !batch.changed.some((c) => c.name === a.name)) return;
    a.seen[index] = performance.now();
    if (a.seen.every((t) => t > 0)) {
      awaited = undefined;
      send({ kind: 'seen', first: Math.min(...a.seen), last: Math.max(...a.seen) });
    }
  };
}

process.on('message', (command: ClientsCommand) => {
  if (command.kind === 'connect') {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    clients = command.ports.map((port, i) => new XdsClient({
      address: `127.0.0.1:${port}`, tls: { rootPem: command.rootPem }, logger: quiet,
      node: { nodeName: `node-${i}`, podName: `ztunnel-${i}`, podNamespace: 'istio-system', instanceIps: [`10.255.0.${i}`] },
      types: [{ type: opaqueAddress }], onBatch: onBatch(i),
    }));
    void Promise.all(clients.map((c) => c.ready())).then(() => {
      global.gc?.();
      send({ kind: 'ready', rssBefore, rssAfter: process.memoryUsage().rss });
    });
  } else if (command.kind === 'await') {
    awaited = { name: command.name, seen: new Array<number>(clients.length).fill(0) };
    send({ kind: 'armed' });
  } else {
    for (const c of clients) c.close();
    process.disconnect();
  }
});
