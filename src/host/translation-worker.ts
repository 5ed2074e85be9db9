// Translation of guest pages on a worker thread (JitOptions.translator). The JIT's two costs
// besides running code, generating a page's WebAssembly (translate.ts, JavaScript) and V8's
// compilation of it, both move off the thread running the guest, which keeps interpreting the
// page (or running its previous translation) meanwhile. The worker also compiles the page
// function eagerly by calling it once with a zero budget on scratch memory: V8 compiles wasm
// functions lazily, on first call, and a module posted between threads shares its compiled
// code, so the guest's thread gets it ready to run.

import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
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
   * a lower CPU priority (optimizing-worker-main.ts), so that its long compiles take mostly what
   * the guest and the first-tier worker leave of the host's cores.
   */
  optimizing?: boolean;
}

/** What the worker's thread is started with (workerData). */
export interface TranslationWorkerData {
  optimizing: boolean;
  /** Where the answers go, and a counter the worker bumps after posting each (see poll). */
  answers: MessagePort;
  posted: Int32Array;
}

type Settle = (outcome: TranslatedPage | Error) => void;

export class WorkerTranslator implements PageTranslator {
  private worker: Worker | undefined;
  private readonly optimizing: boolean;
  private readonly waiting = new Map<number, Settle>();
  /** This side of the answers' channel, and answers posted / seen (see poll). */
  private answers: MessagePort | undefined;
  private readonly posted = new Int32Array(new SharedArrayBuffer(4));
  private seen = 0;
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

  /**
   * Whether this translator's thread keeps the process alive (it does from the start): a
   * translator started ahead of its machine (prestartTranslator) lets a run that ends before using
   * it (a usage error, --help) exit.
   */
  holdProcess(hold: boolean): void {
    if (hold) {
      this.worker?.ref();
      this.answers?.ref();
    } else {
      this.worker?.unref();
      this.answers?.unref();
    }
  }

  private start(): Worker {
    const script = this.optimizing ? './optimizing-worker-main.js' : './translation-worker-main.js';
    const { port1, port2 } = new MessageChannel();
    const workerData: TranslationWorkerData = {
      optimizing: this.optimizing,
      answers: port2,
      posted: this.posted,
    };
    // The first tier's young generation is capped: the translator makes mostly short-lived garbage,
    // and V8 let the young generation grow (and shrink when the worker idled, and grow again) over
    // pages each faulted in afresh, ~11-15 us apiece on a virtualized host. With 8 MiB, in three
    // series of 3-4 interleaved 2-hart boots: the worker's page faults 25.7-27.0K -> 22.0-23.2K,
    // its CPU 1.63-1.75 -> 1.55-1.63 s (scavenges are cheap with little alive; 2 MiB faulted less
    // but cost CPU again). The second tier's compiles, rare and long, keep V8's default.
    const resourceLimits = this.optimizing ? undefined : { maxYoungGenerationSizeMb: 8 };
    const worker = new Worker(new URL(script, import.meta.url), {
      workerData,
      transferList: [port2],
      resourceLimits,
    });
    this.answers = port1;
    // Answers nobody polled for (the guest's thread idle, or between bursts) come this way.
    port1.on('message', (reply: TranslationReply) => this.answer(reply));
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const settle of this.waiting.values()) settle(err);
      this.waiting.clear();
      port1.close();
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
    return new Promise((resolve, reject) =>
      this.request(code, entries, sweep, limits, optimize, ungrouped, (outcome) =>
        outcome instanceof Error ? reject(outcome) : resolve(outcome),
      ),
    );
  }

  request(
    code: Uint8Array,
    entries: number[],
    sweep: boolean,
    limits: TranslateLimits,
    optimize: boolean,
    ungrouped: number[],
    settle: Settle,
  ): void {
    if (this.failure !== undefined) {
      settle(this.failure);
      return;
    }
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    const request: TranslationRequest = { id, code, entries, sweep, limits, optimize, ungrouped };
    this.waiting.set(id, settle);
    // Copied, not transferred: transferring detaches the buffer here, and the first detached
    // ArrayBuffer of a process invalidates V8's "no buffer was ever detached" protector, which
    // deoptimizes every function that relied on it (the interpreter's loop among them: 120-240
    // ms of recompilation each time on the core the worker needs) and puts a detach check into
    // every typed-array access compiled after. 4 KiB copy per request instead.
    worker.postMessage(request);
  }

  /**
   * Take the answers the worker has posted, synchronously: it bumps `posted` after each, so
   * that a poll with nothing new costs one atomic load.
   */
  poll(): void {
    if (this.answers === undefined) return;
    const posted = Atomics.load(this.posted, 0);
    if (posted === this.seen) return;
    this.seen = posted;
    for (;;) {
      const received = receiveMessageOnPort(this.answers);
      if (received === undefined) break;
      this.answer(received.message as TranslationReply);
    }
  }

  private answer(reply: TranslationReply): void {
    const settle = this.waiting.get(reply.id);
    if (settle === undefined) return;
    this.waiting.delete(reply.id);
    settle(reply.ok ? reply.page : new Error(`page translation failed: ${reply.error}`));
  }

  /** Stop the worker (pending translations are rejected). */
  async close(): Promise<void> {
    this.failure ??= new Error('the translation worker was closed');
    this.answers?.close();
    await this.worker?.terminate();
  }
}

let prestarted: WorkerTranslator | undefined;

/**
 * Start the first tier's worker now, for the next workerTranslators() (main.ts, as soon as the
 * command is `run`). Started with the machine, ~0.2 s into the process, the worker was ready only
 * at 0.54-0.69 s (0.14 s of its own start-up, 0.16-0.22 s waiting for a core the guest's thread,
 * the image reads and V8's compiles held) and got its first request 12-35 ms later, its training
 * not past the first page. Started before run-command's modules load, while a core is idle, it
 * was ready at 0.32-0.38 s and had trained on 10-12 pages by the first request. Four series of
 * 5-6 interleaved 2-hart boots: spawn to prompt -212, -36, +14 and -47 ms (medians; the host's
 * noise is of that order).
 */
export function prestartTranslator(): void {
  if (prestarted !== undefined) return;
  prestarted = new WorkerTranslator();
  prestarted.holdProcess(false);
}

/**
 * The JIT's translators as `rvisor run` has them: the first tier on one worker thread (the
 * prestarted one if any), the second (optimizing) tier on another, started when a page first
 * asks for it.
 */
export function workerTranslators(): Pick<JitOptions, 'translator' | 'optimizer'> {
  const translator = prestarted ?? new WorkerTranslator();
  prestarted = undefined;
  translator.holdProcess(true);
  return { translator, optimizer: new WorkerTranslator({ optimizing: true }) };
}
