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
  readonly buffer = new ArrayBuffer(33 * 8);
  /** x0..x31 as signed 64-bit, then the sink (index 32). x0 always reads 0. */
  readonly x = new BigInt64Array(this.buffer);
  /** The same registers as 32-bit halves. */
  readonly w = new Int32Array(this.buffer);
}

export class FloatRegisterFile {
  readonly buffer = new ArrayBuffer(32 * 8);
  /** f0..f31 raw 64-bit patterns (single-precision values are NaN-boxed: upper 32 bits all ones). */
  readonly bits = new BigInt64Array(this.buffer);
  readonly f64 = new Float64Array(this.buffer);
  /** Element 2r is the low word of f[r] (a single's bits), 2r+1 the high word. */
  readonly u32 = new Uint32Array(this.buffer);
  readonly i32 = new Int32Array(this.buffer);
  readonly f32 = new Float32Array(this.buffer);
}
