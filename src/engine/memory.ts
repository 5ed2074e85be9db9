// Guest RAM: one ArrayBuffer seen through typed-array views of every width, so aligned accesses on
// the hot path are single element reads. Offsets are relative to the RAM base address.
//
// RAM also tracks which 4 KiB pages hold translated code (src/engine/jit): every write that does
// not go through the hart's fast path (the MMU's slow path, page-table A/D updates, device DMA,
// the loader) reports itself with noteWrite, and a write to a code page calls onCodeWrite so the
// translation is dropped before the guest can execute stale code.

export class GuestRam {
  readonly buffer: ArrayBufferLike;
  /** Byte offset of the first RAM byte inside `buffer`. */
  readonly byteOffset: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly view: DataView;
  /** Per 4 KiB page: nonzero while translated code depends on the page's bytes. */
  readonly codePages: Uint8Array;
  /** Called (with the page number) when a write lands on a page marked in codePages. */
  onCodeWrite: ((page: number) => void) | undefined;

  /**
   * @param base physical address of the first byte
   * @param size bytes; a multiple of 4 KiB, at most 2 GiB so offsets stay 31-bit integers
   * @param buffer backing store (default: a new ArrayBuffer), with RAM starting at `byteOffset`
   */
  constructor(
    readonly base: number,
    readonly size: number,
    buffer?: ArrayBufferLike,
    byteOffset = 0,
  ) {
    if (size <= 0 || size % 4096 !== 0 || size > 0x80000000) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB up to 2 GiB, got ${size}`);
    }
    this.buffer = buffer ?? new ArrayBuffer(size);
    this.byteOffset = byteOffset;
    this.u8 = new Uint8Array(this.buffer, byteOffset, size);
    this.u16 = new Uint16Array(this.buffer, byteOffset, size / 2);
    this.i32 = new Int32Array(this.buffer, byteOffset, size / 4);
    this.i64 = new BigInt64Array(this.buffer, byteOffset, size / 8);
    this.view = new DataView(this.buffer, byteOffset, size);
    this.codePages = new Uint8Array(size >>> 12);
  }

  /** True when [address, address+length) lies inside RAM. */
  contains(address: number, length: number): boolean {
    return address >= this.base && address + length <= this.base + this.size;
  }

  /** Report a write of `length` bytes at RAM offset `offset` made outside the hart fast path. */
  noteWrite(offset: number, length: number): void {
    if (length <= 0) return;
    const code = this.codePages;
    const last = Math.min(code.length - 1, (offset + length - 1) >>> 12);
    for (let page = Math.max(0, offset >>> 12); page <= last; page++) {
      if (code[page] !== 0) this.onCodeWrite?.(page);
    }
  }

  /** Copy `bytes` into RAM at `offset` (device DMA, the loader) and report the write. */
  write(offset: number, bytes: Uint8Array): void {
    this.u8.set(bytes, offset);
    this.noteWrite(offset, bytes.length);
  }
}
