// Reading guest images (the Linux kernel Image, the initrd) straight to their place in guest RAM.
// The usual way (read the file into a buffer, then copy it into RAM) touches every page twice:
// fresh buffer pages and fresh RAM pages each fault in once (~15 us each on a virtual machine), and
// the copy runs on the guest's thread before the first instruction. For Debian's 31 MB kernel that
// was ~300 ms of the time to OpenSBI's banner, for its 2.4 MB initrd ~16 ms; reads into RAM, on
// libuv's threads while the V8 training runs, are mostly off the critical path (the kernel is in
// place ~50 ms after the training ends, ~200 before the reads were issued up front). The loader
// then finds the image in place and copies nothing (placeSegments).

import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { imageLoadOffset, parseLinuxImageHeader, IMAGE_HEADER_SIZE } from '../engine/loader.js';
import type { GuestRam } from '../engine/memory.js';

/**
 * The image is read in this many pieces at once, on libuv's threads: its cost is the faults of
 * fresh RAM pages more than the copy, and they proceed in parallel. Debian's 31 MB kernel alone:
 * 126 ms in one read, 76 in two, 75 in four.
 */
const PIECES = 4;

/**
 * If `path` is a RISC-V Linux Image that fits, read it to its load offset in `ram` and return the
 * view of RAM holding it (what bootWithFirmware takes as the kernel); else undefined, and the
 * caller reads the file as any other (an ELF kernel, or one the loader will reject with its own
 * message). The RAM must not be in use by a running guest.
 */
export function readLinuxImageIntoRam(path: string, ram: GuestRam): Promise<Uint8Array | undefined> {
  return readFileIntoRam(path, ram, (_size, fd) => {
    const head = new Uint8Array(IMAGE_HEADER_SIZE);
    const got = readSync(fd, head, 0, head.length, 0);
    const header = got === head.length ? parseLinuxImageHeader(head) : null;
    return header === null ? undefined : imageLoadOffset(header);
  });
}

/**
 * Read the whole file at `path` into `ram` at the offset `place` gives for it (from its size, or a
 * header read from the open descriptor `fd`), and return the view of RAM holding it. If `place`
 * gives undefined, or the file is empty or does not fit there, RAM is left untouched and the
 * result is undefined: the caller reads the file as usual. The RAM must not be in use by a
 * running guest.
 *
 * Opening the file, its size and the placement are done at once (microseconds), so the bulk reads
 * are under way when this returns. Were each step awaited, each would wait for the caller's
 * thread, which `rvisor run` keeps busy right after with the V8 training (~130 ms): the bulk
 * started only when that ended and finished ~150 ms after it.
 */
export function readFileIntoRam(
  path: string,
  ram: GuestRam,
  place: (size: number, fd: number) => number | undefined,
): Promise<Uint8Array | undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return Promise.reject(err);
  }
  let reading = false;
  try {
    const size = fstatSync(fd).size;
    const at = place(size, fd);
    if (at === undefined || !Number.isSafeInteger(at) || at < 0 || size === 0 || at + size > ram.u8.length) {
      return Promise.resolve(undefined);
    }
    const piece = Math.ceil(size / PIECES / 4096) * 4096;
    const pieces: Promise<void>[] = [];
    for (let start = 0; start < size; start += piece) {
      pieces.push(readRange(fd, ram.u8, at, start, Math.min(size, start + piece), path));
    }
    reading = true;
    // The descriptor is closed once every piece has settled, failed ones included.
    return Promise.allSettled(pieces).then((results) => {
      closeSync(fd);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      return ram.u8.subarray(at, at + size);
    });
  } catch (err) {
    return Promise.reject(err);
  } finally {
    if (!reading) closeSync(fd);
  }
}

/** Read bytes [start, end) of the open file `fd` into `into` at `base + start`. */
function readRange(
  fd: number,
  into: Uint8Array,
  base: number,
  start: number,
  end: number,
  path: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (done: number): void => {
      if (done >= end) {
        resolve();
        return;
      }
      read(fd, into, base + done, end - done, done, (err, n) => {
        if (err !== null) reject(err);
        else if (n === 0) reject(new Error(`${path} ended at byte ${done}, before ${end}`));
        else from(done + n);
      });
    };
    from(start);
  });
}
