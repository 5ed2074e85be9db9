// The second-tier translation worker's thread (WorkerTranslatorOptions.optimizing). Its priority
// is lowered first, before the translator's modules load, so that even the thread's start-up
// takes only what the guest's thread and the first-tier worker leave (an idle second worker
// started at normal priority with the first measured 0.15 s later Debian boots).
import { lowerThisThreadPriority } from './thread-priority.js';

lowerThisThreadPriority();

await import('./translation-worker-main.js');
