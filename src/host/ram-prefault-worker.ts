// The prefault worker's thread (see ram-prefault.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { PrefaultJob } from './ram-prefault.js';

// Idle priority: the guest's thread, the translation worker and V8's compilers come first. Linux
// gives each thread its own nice value (setpriority on a thread id); elsewhere this stays as is.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid)) setPriority(tid, 19);
} catch {
  // no /proc: run at the process's priority
}

const { buffer, ranges } = workerData as PrefaultJob;
const words = new Int32Array(buffer);
let pages = 0;
for (const { from, to } of ranges) {
  const step = from < to ? 4096 : -4096;
  // Downwards, the first page is the one below `from`.
  let at = from < to ? from : from - 4096;
  for (let k = Math.abs(to - from) / 4096; k > 0; k--, at += step) Atomics.or(words, at >>> 2, 0);
  pages += Math.abs(to - from) / 4096;
}
parentPort!.postMessage(pages);
