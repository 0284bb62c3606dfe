// The live record of one proxied connection: byte totals the data path adds to while it runs, and the one close
// that counts it closed and yields its access-log record.
import { checkCount } from './errors.js';
import { accessLogRecord, type AccessLogRecord, type SocketAddress } from './access-log.js';
import type { ResponseFlag, TcpConnectionLabels } from './labels.js';
import type { TcpSeries } from './series.js';

/** Where the connection runs; `hbone` is the CONNECT target when the hop is HBONE. */
export interface ConnectionAddresses {
  readonly src: SocketAddress;
  readonly dst: SocketAddress;
  readonly hbone?: SocketAddress;
  /** Pod names for the log (a WorkloadRecord's `name`); the canonical service stands in when absent. */
  readonly srcWorkload?: string;
  readonly dstWorkload?: string;
}

export interface CloseOutcome {
  /** Why the connection ended badly; absent for a clean close. */
  readonly error?: string;
  readonly responseFlags?: ResponseFlag;
}

export class TcpConnection {
  readonly #series: TcpSeries;
  readonly #addresses: ConnectionAddresses;
  readonly #now: () => number;
  readonly #onClose: (flag: ResponseFlag) => void;
  readonly #started: number;
  #requestBytes = 0;
  #responseBytes = 0;
  #closed = false;

  constructor(series: TcpSeries, addresses: ConnectionAddresses, now: () => number, onClose: (flag: ResponseFlag) => void) {
    this.#series = series;
    this.#addresses = addresses;
    this.#now = now;
    this.#onClose = onClose;
    this.#started = now();
  }

  get labels(): TcpConnectionLabels {
    return this.#series.labels;
  }
  get requestBytes(): number {
    return this.#requestBytes;
  }
  get responseBytes(): number {
    return this.#responseBytes;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes that went from the client towards the server (istio_tcp_received_bytes_total). */
  countRequestBytes(bytes: number): void {
    checkCount(bytes, 'request bytes');
    this.#requestBytes += bytes;
    this.#series.requestBytes += bytes;
  }

  /** Bytes that went from the server back to the client (istio_tcp_sent_bytes_total). */
  countResponseBytes(bytes: number): void {
    checkCount(bytes, 'response bytes');
    this.#responseBytes += bytes;
    this.#series.responseBytes += bytes;
  }

  /** The "connection opened" record (ztunnel logs it at debug). */
  openedRecord(): AccessLogRecord {
    return accessLogRecord({ labels: this.labels, ...this.#addresses });
  }

  /**
   * Counts the connection closed (with its response flag) and returns the "connection complete" record: log it at
   * info, or at error when it has `error`. Later calls return undefined, so racing close paths count once.
   */
  close(outcome: CloseOutcome = {}): AccessLogRecord | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    const flag = outcome.responseFlags ?? '-';
    this.#onClose(flag);
    return accessLogRecord({
      labels: this.labels,
      ...this.#addresses,
      bytes: { request: this.#requestBytes, response: this.#responseBytes },
      durationMs: this.#now() - this.#started,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    });
  }
}
