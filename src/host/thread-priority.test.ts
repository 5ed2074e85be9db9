// lowerThisThreadPriority sets the nice value of the calling thread alone (Linux): checked in a
// worker thread, so that the test runner keeps its own priority.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const linux = existsSync('/proc/thread-self/stat');

/** Nice values of a new worker thread after it lowered its priority to `nice` (or not), and of the process. */
function niceInWorker(nice: number | 'default' | undefined): Promise<{ worker: number; parent: number }> {
  const module = new URL('./thread-priority.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const niceOf = (path) => Number(readFileSync(path, 'utf8').split(') ')[1].split(' ')[16]);
    import(workerData.module).then(({ lowerThisThreadPriority }) => {
      if (workerData.nice === 'default') lowerThisThreadPriority();
      else if (workerData.nice !== undefined) lowerThisThreadPriority(workerData.nice);
      parentPort.postMessage({ worker: niceOf('/proc/thread-self/stat'), parent: niceOf('/proc/self/stat') });
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { module, nice } });
    worker.once('message', (m: { worker: number; parent: number }) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

test(
  'a thread lowers its own priority only, to the nice value asked (idle by default)',
  { skip: !linux && 'not Linux' },
  async () => {
    const base = await niceInWorker(undefined);
    const five = await niceInWorker(5);
    const idle = await niceInWorker('default');
    assert.equal(five.worker, Math.max(5, base.worker));
    assert.equal(idle.worker, 19);
    // The process's main thread keeps its priority.
    assert.equal(five.parent, base.parent);
    assert.equal(idle.parent, base.parent);
  },
);
