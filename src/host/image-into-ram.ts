// Reading a Linux kernel Image straight to its load address in guest RAM. The usual way (read the
// file into a buffer, then copy it into RAM) touches every page twice: fresh buffer pages and
// fresh RAM pages each fault in once (~15 us each on a virtual machine), and the copy runs on the
// guest's thread before the first instruction. For Debian's 31 MB kernel that was ~300 ms of the
// time to OpenSBI's banner; one read into RAM, on libuv's threads while the V8 training runs, is
// ~120 ms and mostly off the critical path. The loader then finds the image in place and copies
// nothing (placeSegments).

import { open } from 'node:fs/promises';
import { imageLoadOffset, parseLinuxImageHeader, IMAGE_HEADER_SIZE } from '../engine/loader.js';
import type { GuestRam } from '../engine/memory.js';

/**
 * If `path` is a RISC-V Linux Image that fits, read it to its load offset in `ram` and return the
 * view of RAM holding it (what bootWithFirmware takes as the kernel); else undefined, and the
 * caller reads the file as any other (an ELF kernel, or one the loader will reject with its own
 * message). The RAM must not be in use by a running guest.
 */
export async function readLinuxImageIntoRam(path: string, ram: GuestRam): Promise<Uint8Array | undefined> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = new Uint8Array(IMAGE_HEADER_SIZE);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const header = bytesRead === head.length ? parseLinuxImageHeader(head) : null;
    if (header === null) return undefined;
    const at = imageLoadOffset(header);
    if (at + size > ram.u8.length) return undefined;
    let done = 0;
    while (done < size) {
      const { bytesRead: n } = await file.read(ram.u8, at + done, size - done, done);
      if (n === 0) throw new Error(`${path} ended after ${done} of ${size} bytes`);
      done += n;
    }
    return ram.u8.subarray(at, at + size);
  } finally {
    await file.close();
  }
}
