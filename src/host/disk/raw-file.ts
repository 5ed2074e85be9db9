// A raw disk image: guest byte N is file byte N. Reads and writes go to the file at their offsets
// through a FileHandle (never blocking the event loop); FLUSH is fdatasync; discard and
// write-zeroes write zeros (Node has no hole punching), so a discarded range reads as zeros.

import { open, type FileHandle } from 'node:fs/promises';
import type { BlockBackend } from '../../engine/block-backend.js';

export const SECTOR_SIZE = 512;
/** Zeros are written in pieces of this size. */
const ZERO_CHUNK = 1024 * 1024;

export class DiskError extends Error {}

/** Describe a failed open the way a person at a terminal wants to read it. */
export function openErrorMessage(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `cannot open '${path}': no such file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot open '${path}': permission denied`;
    case 'EISDIR':
      return `cannot open '${path}': it is a directory`;
    default:
      return `cannot open '${path}': ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Read exactly `into.length` bytes at `position`; bytes past the end of the file read as zeros. */
export async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      into.fill(0, done);
      return;
    }
    done += bytesRead;
  }
}

/** Write all of `data` at `position`. */
export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Write `length` zero bytes at `position`. */
export async function writeZeros(handle: FileHandle, position: number, length: number): Promise<void> {
  const zeros = new Uint8Array(Math.min(length, ZERO_CHUNK));
  for (let at = 0; at < length; at += zeros.length) {
    await writeFully(handle, zeros.subarray(0, Math.min(zeros.length, length - at)), position + at);
  }
}

export class RawFileBackend implements BlockBackend {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
    readonly readOnly: boolean,
  ) {}

  /**
   * Open an image. Its size is the file's, rounded down to whole sectors (a trailing partial
   * sector is not visible to the guest, as with QEMU's raw format).
   */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<RawFileBackend> {
    const readOnly = options.readOnly ?? false;
    let handle: FileHandle;
    try {
      handle = await open(path, readOnly ? 'r' : 'r+');
    } catch (err) {
      throw new DiskError(openErrorMessage(path, err));
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile() && !stat.isBlockDevice()) throw new DiskError(`'${path}' is not a file`);
      const size = Math.floor(stat.size / SECTOR_SIZE) * SECTOR_SIZE;
      if (size === 0) throw new DiskError(`'${path}' is smaller than one ${SECTOR_SIZE}-byte sector`);
      return new RawFileBackend(path, handle, size, readOnly);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private check(offset: number, length: number, writing: boolean): void {
    if (this.closed) throw new DiskError(`'${this.path}' is closed`);
    if (writing && this.readOnly) throw new DiskError(`'${this.path}' is read-only`);
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(
        `access ${offset}+${length} beyond the end of '${this.path}' (${this.size} bytes)`,
      );
    }
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check(offset, into.length, false);
    await readFully(this.handle, into, offset);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length, true);
    await writeFully(this.handle, data, offset);
  }

  async flush(): Promise<void> {
    if (this.closed || this.readOnly) return;
    await this.handle.datasync();
  }

  async discard(offset: number, length: number): Promise<void> {
    await this.writeZeroes(offset, length);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.check(offset, length, true);
    await writeZeros(this.handle, offset, length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }
}
