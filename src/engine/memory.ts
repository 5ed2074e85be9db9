// Guest RAM: one ArrayBuffer seen through typed-array views of every width, so aligned accesses on
// the hot path are single element reads. Offsets are relative to the RAM base address.

export class GuestRam {
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly view: DataView;

  /**
   * @param base physical address of the first byte
   * @param size bytes; a multiple of 4 KiB, at most 2 GiB so offsets stay 31-bit integers
   */
  constructor(
    readonly base: number,
    readonly size: number,
    buffer?: ArrayBuffer,
  ) {
    if (size <= 0 || size % 4096 !== 0 || size > 0x80000000) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB up to 2 GiB, got ${size}`);
    }
    this.buffer = buffer ?? new ArrayBuffer(size);
    this.u8 = new Uint8Array(this.buffer, 0, size);
    this.u16 = new Uint16Array(this.buffer, 0, size >> 1);
    this.i32 = new Int32Array(this.buffer, 0, size >> 2);
    this.i64 = new BigInt64Array(this.buffer, 0, size >> 3);
    this.view = new DataView(this.buffer, 0, size);
  }

  /** True when [address, address+length) lies inside RAM. */
  contains(address: number, length: number): boolean {
    return address >= this.base && address + length <= this.base + this.size;
  }
}
