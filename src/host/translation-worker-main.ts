// The translation worker's thread (see translation-worker.ts).

import { parentPort } from 'node:worker_threads';
import {
  DEFAULT_LIMITS,
  inertPageImports,
  translatePageCopy,
  type TranslateLimits,
} from '../engine/jit/translate.js';
import { warmUpSweepPage } from '../engine/warm-up.js';
import type { TranslationReply, TranslationRequest } from './translation-worker.js';
import { preferBaselineWasm } from './wasm-tier.js';

preferBaselineWasm();

// Scratch for the eager compile: the page function reads registers and writes its exit record
// in the state block at offset 0, then stops at its first block for lack of budget.
const scratch = new WebAssembly.Memory({ initial: 1 });
const imports = inertPageImports(scratch);

type Run = (entry: number, vbase: bigint, budget: number, state: number, dataSet: number) => number;

function compile(code: Uint8Array, entries: number[], limits: TranslateLimits, sweep: boolean) {
  const result = translatePageCopy(code, entries, limits, sweep);
  const module = new WebAssembly.Module(result.bytes);
  const run = new WebAssembly.Instance(module, imports).exports.run as Run;
  run(entries[0] >>> 1, 0n, 0, 0, 0);
  return { result, module };
}

// Train the translator (this thread's V8) on every kind of instruction before the first request:
// the guest's first pages are translated with the feedback of a complete set (engine/warm-up.ts).
{
  const { code, entry } = warmUpSweepPage();
  for (const sweep of [false, true]) compile(code, [entry], DEFAULT_LIMITS, sweep);
}

parentPort!.on('message', (request: TranslationRequest) => {
  const started = performance.now();
  let reply: TranslationReply;
  try {
    const { result, module } = compile(request.code, request.entries, request.limits, request.sweep);
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
