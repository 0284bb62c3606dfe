// Protobuf length-delimited fields written into one buffer sized up front: the server's hot encoding path.

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** One buffer sized up front; payloads are copied once, with no growing and no second concatenation. */
export class FieldWriter {
  readonly buffer: Buffer;
  #at = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  static size(payload: number): number {
    return 1 + varintSize(payload) + payload;
  }

  /** The tag and length of a field whose payload the caller writes next (a nested message). */
  header(field: number, payloadSize: number): void {
    this.#varint((field << 3) | 2); // wire type 2: length-delimited
    this.#varint(payloadSize);
  }

  field(field: number, payload: Uint8Array | string, payloadSize: number): void {
    this.header(field, payloadSize);
    if (typeof payload === 'string') {
      this.#at += this.buffer.write(payload, this.#at, 'utf8');
    } else {
      this.buffer.set(payload, this.#at);
      this.#at += payload.length;
    }
  }

  #varint(n: number): void {
    while (n >= 0x80) {
      this.buffer[this.#at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buffer[this.#at++] = n;
  }
}
