// Faulting guest RAM in ahead of the guest, on a thread of its own at idle priority.
//
// The host kernel maps a page of guest RAM when it is first touched: ~11 us a page on a
// virtualized host (the machine's first write, an EPT fault and a zeroed page), paid by whichever
// thread touches it. A Debian boot touches ~16K fresh pages from the guest's thread (~180 ms of
// it), most in two places that Linux's allocators make predictable: memblock allocates top-down
// (the struct page array, page tables, early buffers: the top 48 MiB of a 512 MiB guest within the
// first half second), and the page allocator then hands out the pages above the kernel. QEMU maps
// guest RAM with transparent huge pages, a fault per 2 MiB; JavaScript cannot ask for those, so a
// worker touches these pages first, on the other core, when it is idle (nice 19).
//
// Measured on a 2-hart Debian boot (24,576 pages prefaulted in 0.9-1.3 s of the worker's time):
// page faults of the guest's thread 41K -> 25K, its system time 460 -> 320 ms.

import { Worker } from 'node:worker_threads';

/** Byte offsets into the memory's buffer; from > to goes downwards. Page-aligned. */
export interface PrefaultRange {
  from: number;
  to: number;
}

/** What the worker starts with. */
export interface PrefaultJob {
  buffer: SharedArrayBuffer;
  ranges: PrefaultRange[];
}

/**
 * Touch every page of `ranges` of a shared memory on a worker thread (writing nothing: an atomic
 * OR with 0 at each page, so the guest's own writes meanwhile are kept). Resolves with the pages
 * touched; undefined when the memory is not shared (nothing else can reach it).
 */
export function prefaultMemory(
  memory: WebAssembly.Memory,
  ranges: PrefaultRange[],
): Promise<number> | undefined {
  const buffer = memory.buffer;
  if (!(buffer instanceof SharedArrayBuffer)) return undefined;
  for (const { from, to } of ranges) {
    if (
      from % 4096 !== 0 ||
      to % 4096 !== 0 ||
      Math.min(from, to) < 0 ||
      Math.max(from, to) > buffer.byteLength
    )
      throw new RangeError(`prefault range ${from}..${to} is not page-aligned within the memory`);
  }
  const job: PrefaultJob = { buffer, ranges };
  const worker = new Worker(new URL('./ram-prefault-worker.js', import.meta.url), { workerData: job });
  // Never worth keeping the process alive for.
  worker.unref();
  return new Promise((resolve, reject) => {
    worker.once('message', (pages: number) => resolve(pages));
    worker.once('error', reject);
  });
}

const MiB = 1024 * 1024;

/**
 * The ranges of a Linux guest's RAM (at `ramOffset` in the memory, `ramBytes` long) worth
 * prefaulting, in the order the kernel first uses them: the top eighth (at most 64 MiB) downwards,
 * then the sixteenth (at most 32 MiB) above the kernel's image (`kernelEnd`: bytes from the start
 * of RAM, .bss included) upwards.
 */
export function linuxPrefaultRanges(ramOffset: number, ramBytes: number, kernelEnd: number): PrefaultRange[] {
  const pageDown = (n: number) => Math.floor(n / 4096) * 4096;
  const top = Math.min(64 * MiB, pageDown(ramBytes / 8));
  const lowStart = Math.ceil(kernelEnd / (2 * MiB)) * 2 * MiB;
  const lowEnd = Math.min(lowStart + Math.min(32 * MiB, pageDown(ramBytes / 16)), ramBytes - top);
  const ranges: PrefaultRange[] = [{ from: ramOffset + ramBytes, to: ramOffset + ramBytes - top }];
  if (lowEnd > lowStart) ranges.push({ from: ramOffset + lowStart, to: ramOffset + lowEnd });
  return ranges;
}
