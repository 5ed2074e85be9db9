// A lower priority for the calling thread: the prefault and second-tier workers take what the
// guest's thread, the first-tier translation worker and V8's compilers leave of the host's cores
// (or, at a nice value short of 19, a share of them). Linux keeps a nice value per thread, and
// setpriority on a thread id sets that thread's alone (setpriority(2), "Bugs"). Elsewhere (no
// /proc), or where it is refused, the thread stays at the process's priority.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Lower the calling thread's priority to nice value `nice` (19, the default: idle). */
export function lowerThisThreadPriority(nice = 19): void {
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: normal priority
  }
}
