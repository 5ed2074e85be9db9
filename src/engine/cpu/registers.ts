// Register files. Each is one ArrayBuffer seen through several typed-array views so the hot
// path never converts: 64-bit values through BigInt64Array, 32-bit halves through Int32Array
// (little-endian: register r's low word is at index 2r, high word at 2r+1).

/**
 * Index of the write-only sink register. The decoder maps a destination of x0 to this slot for
 * instructions whose other effects must still happen (loads, jumps, CSR reads), so the hot path
 * writes unconditionally and x0 keeps reading zero.
 */
export const SINK_REGISTER = 32;

export class IntRegisterFile {
  /** x0..x31 as signed 64-bit, then the sink (index 32). x0 always reads 0. */
  readonly x: BigInt64Array;
  /** The same registers as 32-bit halves. */
  readonly w: Int32Array;

  /** The registers live at `offset` in `buffer` (a hart's state block; see hart-state.ts). */
  constructor(buffer: ArrayBufferLike = new ArrayBuffer(33 * 8), offset = 0) {
    this.x = new BigInt64Array(buffer, offset, 33);
    this.w = new Int32Array(buffer, offset, 66);
  }
}

export class FloatRegisterFile {
  /** f0..f31 raw 64-bit patterns (single-precision values are NaN-boxed: upper 32 bits all ones). */
  readonly bits: BigInt64Array;
  readonly f64: Float64Array;
  /** Element 2r is the low word of f[r] (a single's bits), 2r+1 the high word. */
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(32 * 8), offset = 0) {
    this.bits = new BigInt64Array(buffer, offset, 32);
    this.f64 = new Float64Array(buffer, offset, 32);
    this.u32 = new Uint32Array(buffer, offset, 64);
    this.i32 = new Int32Array(buffer, offset, 64);
    this.f32 = new Float32Array(buffer, offset, 64);
  }
}
