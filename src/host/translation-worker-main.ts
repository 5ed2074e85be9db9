// The translation worker's thread (see translation-worker.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS, inertPageImports, translatePageCopy } from '../engine/jit/translate.js';
import { newWasmMemory } from '../engine/cpu/hart-state.js';
import { DECODER_TRAINING_ROUNDS, instructionWords, warmUpSweepPage } from '../engine/warm-up-program.js';
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
// ~0.7 s run its firmware in the interpreter): the training sweep of every instruction kind
// (engine/warm-up.ts) over and over, one translation per event-loop turn so that the first request
// is served as soon as it arrives. The guest's first pages are then translated by optimized code
// with complete feedback instead of by cold JavaScript. Replaying the first 400 translation
// requests of a Debian boot on a fresh worker: the first 100 took 340-367 ms after such training
// against 537-557 ms untrained, all 400 1168-1186 ms against 1443-1562 ms.
// It trained on pages of random programs (jit/random-program.ts) after the sweep, until the
// generator itself got hot: TurboFan spent ~270 ms of a boot compiling it (generateProgram,
// bodySnippet, weighted; the worker's compiles 994 -> 692 ms without it), code the guest never
// needs. The sweep alone, 4 interleaved 2-hart boots: all threads' CPU 7.75 -> 7.45 s, the same
// deopts (30-33), spawn to prompt 4.86 -> 4.76 s; the worker loads less code at start-up too.
const TRAINING_STEPS = 48;
const { optimizing, answers, posted } = workerData as TranslationWorkerData;
let sweepPage: ReturnType<typeof warmUpSweepPage> | undefined;
let requested = optimizing;
function train(step: number): void {
  if (requested || step >= TRAINING_STEPS) return;
  sweepPage ??= warmUpSweepPage();
  // Decoding first, once V8 is watching (cpu/decoder.ts trainDecoder).
  if (step === 0) trainDecoder(instructionWords(sweepPage.code.subarray(0, 4096)), DECODER_TRAINING_ROUNDS);
  // The sweep's page from each of its sections in turn, then whole with a linear sweep.
  const { code, sections } = sweepPage;
  const variant = step % (sections.length + 1);
  const entries = variant < sections.length ? [sections[variant]] : [sweepPage.entry];
  const work: Work = { code, entries, limits: DEFAULT_LIMITS, sweep: variant === sections.length };
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
