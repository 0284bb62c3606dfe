// Source ports for dials from a given address (ztunnel's loopback mode leaves from the workload's own address),
// picked here instead of by bind(2) with port 0. For port 0 the kernel searches the ephemeral range for a port no
// socket on that address holds, and every TIME_WAIT socket the proxy leaves behind (it closes towards the app first)
// holds one: measured on this machine, system CPU per dial grew from ~0.1 ms to ~1 ms once about 10,000 were held.
// Naming a port costs one lookup (libuv binds with SO_REUSEADDR, so TIME_WAIT holders do not conflict). A port a
// listener holds fails the bind, one already connected to the same destination fails the connect: the next port is
// tried, and after a few the kernel picks as before.
import { readFileSync } from 'node:fs';

export interface PortRange {
  readonly low: number;
  readonly high: number;
  /** ip_local_reserved_ports: never handed out. */
  readonly reserved: readonly (readonly [number, number])[];
}

/** Linux's defaults, used when /proc cannot be read. */
const DEFAULT_RANGE: PortRange = { low: 32768, high: 60999, reserved: [] };
/** Ports one process cycles through: at 2,000 dials/s each comes round again after 2 s. */
export const WINDOW = 4096;
/** Ports tried before leaving the choice to the kernel. */
const ATTEMPTS = 8;
/** A bind or connect that failed only because of the port chosen. */
const PORT_TAKEN = new Set(['EADDRINUSE', 'EADDRNOTAVAIL']);

/** `ip_local_port_range` ("low high") and `ip_local_reserved_ports` ("a,b-c"); undefined when malformed. */
export function parsePortRange(rangeText: string, reservedText = ''): PortRange | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(rangeText);
  if (!match) return undefined;
  const [low, high] = [Number(match[1]), Number(match[2])];
  if (low < 1 || high > 65535 || low > high) return undefined;
  const reserved: [number, number][] = [];
  for (const item of reservedText.trim().split(',').filter((s) => s !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
    if (!m) return undefined;
    reserved.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return { low, high, reserved };
}

function systemRange(): PortRange {
  try {
    const read = (name: string) => readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8');
    return parsePortRange(read('ip_local_port_range'), read('ip_local_reserved_ports')) ?? DEFAULT_RANGE;
  } catch {
    return DEFAULT_RANGE;
  }
}

/** Hands out source ports round-robin over the ephemeral range. */
export class SourcePorts {
  readonly #range: PortRange;
  #next: number;

  constructor(range: PortRange = portWindow(systemRange()), start?: number) {
    this.#range = range;
    // A random start: two processes sharing an address do not walk the same ports in step.
    this.#next = start ?? range.low + Math.floor(Math.random() * (range.high - range.low + 1));
  }

  /** The next port of the range that is not reserved (undefined if the range is all reserved). */
  next(): number | undefined {
    const { low, high, reserved } = this.#range;
    for (let i = 0; i <= high - low; i++) {
      const port = this.#next;
      this.#next = port >= high ? low : port + 1;
      if (!reserved.some(([a, b]) => port >= a && port <= b)) return port;
    }
    return undefined;
  }

  /**
   * Runs `connect` with the next ports until one is not taken (EADDRINUSE from bind, EADDRNOTAVAIL from a connect
   * whose 4-tuple is in use); after ATTEMPTS ports, or with none to give, with undefined: the kernel picks.
   */
  async pick<T>(connect: (localPort: number | undefined) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = this.next();
      if (port === undefined) break;
      try {
        return await connect(port);
      } catch (err) {
        if (!PORT_TAKEN.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
    }
    return connect(undefined);
  }
}

/** A block of `size` ports at a random place in `range` (all of it when smaller); reserved ports stay reserved. */
export function portWindow(range: PortRange, size = WINDOW, random = Math.random()): PortRange {
  const span = range.high - range.low + 1;
  if (span <= size) return range;
  const low = range.low + Math.floor(random * (span - size + 1));
  return { low, high: low + size - 1, reserved: range.reserved };
}

let shared: SourcePorts | undefined;

/** This process's round-robin over a window of the system's ephemeral range. */
export function sharedSourcePorts(): SourcePorts {
  return (shared ??= new SourcePorts());
}
