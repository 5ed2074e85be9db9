// Translation of guest pages on a worker thread (JitOptions.translator). The JIT's two costs
// besides running code, generating a page's WebAssembly (translate.ts, JavaScript) and V8's
// compilation of it, both move off the thread running the guest, which keeps interpreting the
// page (or running its previous translation) meanwhile. The worker also compiles the page
// function eagerly by calling it once with a zero budget on scratch memory: V8 compiles wasm
// functions lazily, on first call, and a module posted between threads shares its compiled
// code, so the guest's thread gets it ready to run.

import { Worker } from 'node:worker_threads';
import type { JitOptions, PageTranslator, TranslatedPage } from '../engine/jit/jit.js';
import type { TranslateLimits } from '../engine/jit/translate.js';

/** A request to the worker, and its answer. */
export interface TranslationRequest {
  id: number;
  code: Uint8Array;
  entries: number[];
  sweep: boolean;
  limits: TranslateLimits;
  /** Compile with V8's optimizing compiler, blocks without access groups (translatePage). */
  optimize: boolean;
  ungrouped: number[];
}
export type TranslationReply =
  { id: number; ok: true; page: TranslatedPage } | { id: number; ok: false; error: string };

export interface WorkerTranslatorOptions {
  /**
   * A worker for the JIT's second tier (JitOptions.optimizer): its thread starts with the first
   * request (most runs never make one), skips the training a first-tier worker does, and runs at
   * the lowest CPU priority, so that its long compiles take what the guest and the first-tier
   * worker leave of the host's cores.
   */
  optimizing?: boolean;
}

export class WorkerTranslator implements PageTranslator {
  private worker: Worker | undefined;
  private readonly optimizing: boolean;
  private readonly waiting = new Map<
    number,
    { resolve: (page: TranslatedPage) => void; reject: (err: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;
  /**
   * The worker translates one page at a time: it holds the next request too, so that it starts
   * on it as soon as it answers one, without waiting for the guest's thread to read the answer
   * (which happens between slices). The rest wait in the JIT's queue, hottest first.
   */
  readonly concurrency = 2;

  constructor(options: WorkerTranslatorOptions = {}) {
    this.optimizing = options.optimizing === true;
    if (!this.optimizing) this.worker = this.start();
  }

  private start(): Worker {
    const script = this.optimizing ? './optimizing-worker-main.js' : './translation-worker-main.js';
    const worker = new Worker(new URL(script, import.meta.url), {
      workerData: { optimizing: this.optimizing },
    });
    worker.on('message', (reply: TranslationReply) => {
      const waiter = this.waiting.get(reply.id);
      if (waiter === undefined) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.page);
      else waiter.reject(new Error(`page translation failed: ${reply.error}`));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the translation worker exited (code ${code})`)));
    // The worker keeps the process alive until closed (close): `rvisor run` and the bench exit
    // explicitly, runners and tests close their translators. (Unreferencing it while idle, and
    // referencing it while requests were pending, left tests with a pending promise and an empty
    // event loop now and then on a loaded machine: one CI run in three.)
    return worker;
  }

  translate(
    code: Uint8Array,
    entries: number[],
    sweep: boolean,
    limits: TranslateLimits,
    optimize = false,
    ungrouped: number[] = [],
  ): Promise<TranslatedPage> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    const request: TranslationRequest = { id, code, entries, sweep, limits, optimize, ungrouped };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Copied, not transferred: transferring detaches the buffer here, and the first detached
      // ArrayBuffer of a process invalidates V8's "no buffer was ever detached" protector, which
      // deoptimizes every function that relied on it (the interpreter's loop among them: 120-240
      // ms of recompilation each time on the core the worker needs) and puts a detach check into
      // every typed-array access compiled after. 4 KiB copy per request instead.
      worker.postMessage(request);
    });
  }

  /** Stop the worker (pending translations are rejected). */
  async close(): Promise<void> {
    this.failure ??= new Error('the translation worker was closed');
    await this.worker?.terminate();
  }
}

/**
 * The JIT's translators as `rvisor run` has them: the first tier on one worker thread, the
 * second (optimizing) tier on another, started when a page first asks for it.
 */
export function workerTranslators(): Pick<JitOptions, 'translator' | 'optimizer'> {
  return { translator: new WorkerTranslator(), optimizer: new WorkerTranslator({ optimizing: true }) };
}
