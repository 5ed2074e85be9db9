// glibc malloc's trim and mmap thresholds, raised once per process (Linux with glibc; elsewhere
// this is one untouched 32 MiB allocation, freed at the next garbage collection).
//
// V8 compiles each translated page (Liftoff) in buffers of a few hundred KiB that it mallocs and
// frees again. With glibc's start-up thresholds (128 KiB), such blocks are mmapped and unmapped
// each time, or trimmed from the top of the heap, and every compile faults its memory in afresh:
// ~75K page faults on the translation worker in a Debian boot, at ~11 us each on a virtualized
// host, a third of the worker's time. glibc raises both thresholds by itself when a block it had
// mmapped is freed (mallopt(3), "dynamic mmap threshold": the mmap threshold becomes that block's
// size, at most 32 MiB, and the trim threshold twice that), for the whole process. Allocating and
// dropping one ArrayBuffer just under 32 MiB (V8 callocs its backing store: mmapped, never
// touched) makes glibc do so as soon as a garbage collection frees it; heap memory freed after
// that is kept for reuse instead of being given back to the kernel.
//
// Measured: replaying a Debian boot's translations on a fresh thread, 4.8-5.0 ms per page and
// 125K page faults before, 2.2-2.3 ms and 36K after; the worker of a 2-hart boot, 2.4-2.7 s of
// CPU and 71-83K faults before, 1.7 s and 25K after (the same as with
// GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456 set before start-up). The cost: up to
// 64 MiB of freed heap kept per malloc arena instead of returned.

/** glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit, less room for the chunk header. */
const BLOCK_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let raised = false;

export function raiseMallocThresholds(): void {
  if (raised) return;
  raised = true;
  // Dropped at once: the garbage collector frees it, which is what moves the thresholds.
  void new ArrayBuffer(BLOCK_BYTES);
}
