// A FIFO of bytes kept as a list of chunks: append at the end, read at any offset, drop from the
// front, without copying everything on each append (a TCP send buffer).

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes already dropped from the first chunk. */
  private headOffset = 0;
  length = 0;

  append(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.length += data.length;
  }

  /** Drop `n` bytes from the front. */
  consume(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const first = this.chunks[0];
      const left = first.length - this.headOffset;
      if (n < left) {
        this.headOffset += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.headOffset = 0;
    }
  }

  /** A copy of `length` bytes from `offset` (fewer at the end). */
  peek(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.length - offset)));
    let skip = offset + this.headOffset;
    let done = 0;
    for (const chunk of this.chunks) {
      if (done >= out.length) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const n = Math.min(chunk.length - skip, out.length - done);
      out.set(chunk.subarray(skip, skip + n), done);
      done += n;
      skip = 0;
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.headOffset = 0;
    this.length = 0;
  }
}
