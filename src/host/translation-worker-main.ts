// The translation worker's thread (see translation-worker.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS, inertPageImports, translatePageCopy } from '../engine/jit/translate.js';
import { randomProgram } from '../engine/jit/random-program.js';
import { newWasmMemory } from '../engine/cpu/hart-state.js';
import {
  DECODER_TRAINING_ROUNDS,
  sweepInstructionWords,
  warmUpSweepPage,
} from '../engine/warm-up-program.js';
import { trainDecoder } from '../engine/cpu/decoder.js';
import type { TranslationReply, TranslationRequest, TranslationWorkerData } from './translation-worker.js';
import { configureV8Tiers } from './v8-tiers.js';

configureV8Tiers();

// Scratch for the eager compile: the page function reads registers and writes its exit record
// in the state block at offset 0, then stops at its first block for lack of budget.
const scratch = newWasmMemory(1);
const imports = inertPageImports(scratch);

type Run = (entry: number, vbase: bigint, budget: number, state: number, dataSet: number) => number;

/** What a page is translated from: a request's fields (the training gives the first four). */
type Work = Pick<TranslationRequest, 'code' | 'entries' | 'limits' | 'sweep'> &
  Partial<Pick<TranslationRequest, 'optimize' | 'ungrouped'>>;

function compile({ code, entries, limits, sweep, optimize, ungrouped }: Work) {
  const result = translatePageCopy(code, entries, limits, sweep, optimize, ungrouped);
  const module = new WebAssembly.Module(result.bytes);
  const run = new WebAssembly.Instance(module, imports).exports.run as Run;
  run(entries[0] >>> 1, 0n, 0, 0, 0);
  return { result, module };
}

// Train the translator (this thread's V8) while no request has come yet (the guest's first
// ~0.7 s run its firmware in the interpreter): first the training sweep of every instruction kind
// (engine/warm-up.ts), then pages of random programs (jit/random-program.ts: loops, forward
// branches, calls, every access width, FP), one page per event-loop turn so that the first request
// is served as soon as it arrives. The guest's first pages are then translated by optimized code
// with complete feedback instead of by cold JavaScript. Replaying the first 400 translation
// requests of a Debian boot on a fresh worker: the first 100 took 340-367 ms after this training
// against 537-557 ms untrained, all 400 1168-1186 ms against 1443-1562 ms.
const TRAINING_PAGES = 48;
/** Training steps on the sweep's page (the rest are random programs). */
const SWEEP_STEPS = 5;
const { optimizing, answers, posted } = workerData as TranslationWorkerData;
let requested = optimizing;
function train(step: number): void {
  if (requested || step >= TRAINING_PAGES) return;
  // Decoding first, once V8 is watching (cpu/decoder.ts trainDecoder).
  if (step === 0) trainDecoder(sweepInstructionWords(), DECODER_TRAINING_ROUNDS);
  let work: Work;
  if (step < SWEEP_STEPS) {
    // The sweep's page, a quarter at a time (it has more blocks than one translation takes), then
    // whole with a linear sweep; the instruction straddling its end with the first quarter.
    const { code, entry, straddle } = warmUpSweepPage();
    const quarter = step < 4 ? step : 0;
    const entries = quarter === 0 ? [entry, straddle] : [entry + quarter * 0x400];
    work = { code, entries, limits: DEFAULT_LIMITS, sweep: step === 4 };
  } else {
    const program = randomProgram(step, { iterations: 2 });
    const page = new Uint8Array(4096);
    page.set(program.subarray(0, 4096));
    work = { code: page, entries: [0], limits: DEFAULT_LIMITS, sweep: step % 2 === 0 };
  }
  // As a request arrives: through V8's serializer, as postMessage sends it. The arrays it makes
  // have other maps than literals, and the translator deoptimized ("wrong map") on the first
  // request's entries and ungrouped offsets.
  compile(structuredClone({ ...work, optimize: false, ungrouped: [] }));
  setImmediate(() => train(step + 1));
}
train(0);

parentPort!.on('message', (request: TranslationRequest) => {
  requested = true;
  const started = performance.now();
  let reply: TranslationReply;
  try {
    const { result, module } = compile(request);
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
  answers.postMessage(reply);
  // After the post: a poll that sees the new count finds the answer in the port's queue.
  Atomics.add(posted, 0, 1);
});
