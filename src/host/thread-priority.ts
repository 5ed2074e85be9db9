// Idle priority for the calling thread: the prefault and second-tier workers take only what the
// guest's thread, the first-tier translation worker and V8's compilers leave of the host's
// cores. Linux keeps a nice value per thread, and setpriority on a thread id sets that thread's
// alone (setpriority(2), "Bugs"). Elsewhere (no /proc), or where it is refused, the thread stays
// at the process's priority.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export function lowerThisThreadPriority(): void {
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // not Linux, or not allowed: normal priority
  }
}
