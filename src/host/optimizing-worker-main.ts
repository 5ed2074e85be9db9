// The second-tier translation worker's thread (WorkerTranslatorOptions.optimizing). It yields the
// CPU to everything else: Linux keeps a nice value per thread, and setpriority on a thread id sets
// that thread's alone (setpriority(2), "Bugs"). Lowered first, before the translator's modules
// load, so that even the thread's start-up takes only what the guest's thread and the first-tier
// worker leave (an idle second worker started at normal priority with the first measured 0.15 s
// later Debian boots). Elsewhere, or where that is refused, it stays at normal priority.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

try {
  const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // not Linux, or not allowed: normal priority
}

await import('./translation-worker-main.js');
