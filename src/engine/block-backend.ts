// The engine's view of a disk: a byte-addressed store with asynchronous completion. Host code
// implements it over files (raw images, copy-on-write overlays); tests use memory. Requests may
// complete in any order; the device keeps the guest's ordering guarantees (FLUSH waits for the
// writes before it).

export interface BlockBackend {
  /** Size in bytes (a multiple of 512). */
  readonly size: number;
  readonly readOnly: boolean;
  /** Fill `into` from byte `offset`. */
  read(offset: number, into: Uint8Array): Promise<void>;
  /** Write `data` at byte `offset`. Rejects on a read-only backend. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Make every completed write durable (fsync for files). */
  flush(): Promise<void>;
  /** Deallocate a range (it then reads as zeros). */
  discard(offset: number, length: number): Promise<void>;
  /** Write zeros to a range. */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Release host resources. */
  close(): Promise<void>;
}

/** A BlockBackend in memory, for tests and scratch disks. */
export class MemoryBlockBackend implements BlockBackend {
  readonly bytes: Uint8Array;

  constructor(
    size: number,
    readonly readOnly = false,
  ) {
    if (size <= 0 || size % 512 !== 0) throw new RangeError('disk size must be a positive multiple of 512');
    this.bytes = new Uint8Array(size);
  }

  get size(): number {
    return this.bytes.length;
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`access ${offset}+${length} beyond the end of a ${this.bytes.length}-byte disk`);
    }
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check(offset, into.length);
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new Error('the disk is read-only');
    this.check(offset, data.length);
    this.bytes.set(data, offset);
  }

  async flush(): Promise<void> {}

  async discard(offset: number, length: number): Promise<void> {
    await this.writeZeroes(offset, length);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    if (this.readOnly) throw new Error('the disk is read-only');
    this.check(offset, length);
    this.bytes.fill(0, offset, offset + length);
  }

  async close(): Promise<void> {}
}
