// Istio's socket options on every TCP socket ztunnel holds (accepted, HBONE both ways, to apps): Nagle off, TCP
// keepalive with its idle time, probe interval and probe count, and optionally TCP_USER_TIMEOUT, set through
// @ambient/original-dst's addon. Without the addon Node's setKeepAlive sets the idle time only.
import type { Socket } from 'node:net';
import type { Logger } from '@ambient/core';
import type { ConfigureSocket } from '@ambient/hbone';
import { setTcpKeepalive, tcpKeepaliveSupport, type TcpKeepaliveOptions } from '@ambient/original-dst';
import { userTimeoutMs, type SocketConfig } from './config.js';

export type KeepaliveSupport = ReturnType<typeof tcpKeepaliveSupport>;

let support: KeepaliveSupport | undefined;
const hooks = new WeakMap<SocketConfig, ConfigureSocket>();

/** The hook for `config`, one per config object, so every listener and dial shares it. */
export function socketOptions(config: SocketConfig): ConfigureSocket {
  let hook = hooks.get(config);
  if (!hook) {
    support ??= tcpKeepaliveSupport();
    hook = socketOptionsWith(config, support);
    hooks.set(config, hook);
  }
  return hook;
}

/** The hook over an explicit addon support (tests use it for the fallback). Never throws. */
export function socketOptionsWith(config: SocketConfig, addon: KeepaliveSupport): ConfigureSocket {
  const native = addon.available ? nativeOptions(config) : undefined;
  return (socket: Socket) => {
    socket.setNoDelay(true);
    if (!native) {
      socket.setKeepAlive(config.keepaliveEnabled, config.keepaliveTimeMs);
      return;
    }
    try {
      setTcpKeepalive(socket, native);
    } catch {
      // Only a socket that closed meanwhile gets here (no descriptor, EBADF): the values were checked at start.
    }
  };
}

function nativeOptions(config: SocketConfig): TcpKeepaliveOptions {
  return {
    enabled: config.keepaliveEnabled,
    timeSeconds: config.keepaliveTimeMs / 1_000,
    intervalSeconds: config.keepaliveIntervalMs / 1_000,
    retries: config.keepaliveRetries,
    // Left as the kernel has it (off) unless asked for, as Istio does.
    ...(config.userTimeoutEnabled ? { userTimeoutMs: userTimeoutMs(config) } : {}),
  };
}

/** One warning at start naming the settings Node's fallback cannot apply; nothing when all of them apply. */
export function warnUnappliedSocketOptions(config: SocketConfig, log: Logger, addon: KeepaliveSupport = (support ??= tcpKeepaliveSupport())): void {
  if (addon.available) return;
  const unapplied = [
    ...(config.keepaliveEnabled ? ['--keepalive-interval', '--keepalive-retries'] : []),
    ...(config.userTimeoutEnabled ? ['--user-timeout-enabled'] : []),
  ];
  if (unapplied.length === 0) return;
  log.warn({ unapplied, reason: addon.reason }, 'TCP keepalive falls back to Node: idle time only, probes 1 s apart, 10 of them, no TCP_USER_TIMEOUT');
}
