// The prefault worker's thread (see ram-prefault.ts).

import { parentPort, workerData } from 'node:worker_threads';
import type { PrefaultJob } from './ram-prefault.js';
import { lowerThisThreadPriority } from './thread-priority.js';

lowerThisThreadPriority();

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
