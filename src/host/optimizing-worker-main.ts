// The second-tier translation worker's thread (WorkerTranslatorOptions.optimizing). Its priority
// is lowered first, before the translator's modules load, so that its start-up and compiles take
// mostly what the guest's thread and the first-tier worker leave (an idle second worker started
// at normal priority with the first measured 0.15 s later Debian boots). Not to idle priority:
// at nice 19 a host with one other busy process (a CI job, a build) starved it completely, and
// long-running guests lost the second tier: with one such process, `npm run bench` workloads
// with nice 19 got no page optimized (geomean 0.66x QEMU, bignum 0.44x), with nice 10 four of six
// (0.70x), with nice 5 all (0.78x, bignum 0.64x). Debian boots, 2 harts, 6 interleaved pairs:
// median 5.77 s at nice 19, 5.73 s at nice 5.
import { lowerThisThreadPriority } from './thread-priority.js';

const OPTIMIZER_NICE = 5;

lowerThisThreadPriority(OPTIMIZER_NICE);

await import('./translation-worker-main.js');
