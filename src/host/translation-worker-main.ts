// The translation worker's thread (see translation-worker.ts).

import { parentPort } from 'node:worker_threads';
import { inertPageImports, translatePageCopy } from '../engine/jit/translate.js';
import type { TranslationReply, TranslationRequest } from './translation-worker.js';
import { preferBaselineWasm } from './wasm-tier.js';

preferBaselineWasm();

// Scratch for the eager compile: the page function reads registers and writes its exit record
// in the state block at offset 0, then stops at its first block for lack of budget.
const scratch = new WebAssembly.Memory({ initial: 1 });
const imports = inertPageImports(scratch);

type Run = (entry: number, vbase: bigint, budget: number, state: number, dataSet: number) => number;

parentPort!.on('message', (request: TranslationRequest) => {
  const started = performance.now();
  let reply: TranslationReply;
  try {
    const result = translatePageCopy(request.code, request.entries, request.limits, request.sweep);
    const module = new WebAssembly.Module(result.bytes);
    const run = new WebAssembly.Instance(module, imports).exports.run as Run;
    run(request.entries[0] >>> 1, 0n, 0, 0, 0);
    reply = {
      id: request.id,
      ok: true,
      page: {
        module,
        resume: result.resume,
        byteLength: result.bytes.length,
        ms: performance.now() - started,
      },
    };
  } catch (err) {
    reply = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
