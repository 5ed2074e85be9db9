// Synchronous bare-metal runs for tests and benchmarks: build a machine, load a program, run it to
// the test finisher. Idle time (wfi) sleeps the thread until the next timer deadline.

import { Machine } from '../engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { RAM_BASE } from '../engine/memmap.js';
import type { JitOptions, JitStats } from '../engine/jit/jit.js';
import { warmUpInterpreter, warmUpTranslator } from '../engine/warm-up.js';
import { configureV8Tiers } from './v8-tiers.js';

export interface BareMetalOptions {
  kernel: Uint8Array;
  memoryBytes?: number;
  harts?: number;
  /** Stop after this many instructions (default: no limit). */
  maxInstructions?: number;
  onConsole?: (bytes: Uint8Array) => void;
  clock?: 'host' | 'icount';
  /** Translate hot code to WebAssembly (default true). */
  jit?: boolean;
  jitOptions?: JitOptions;
}

export interface BareMetalResult {
  /** Process-style exit status: 0 pass, the guest's code on fail, 2 on an emulator error. */
  exitCode: number;
  finisher: 'pass' | 'fail' | 'none';
  instret: number;
  seconds: number;
  error?: string;
  /** The JIT's counters at the end (absent with jit: false). */
  jit?: JitStats;
}

const DEFAULT_MEMORY = 128 * 1024 * 1024;
const MAX_RESETS = 100;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * V8's training before the first program of a process (engine/warm-up.ts), as `rvisor run` does
 * before a boot: the interpreter's and, for runs with the JIT (whose pages are translated on this
 * thread), the translator's. Once per process; returns the milliseconds it took (0 after the
 * first call). runBareMetal does not call it: tests run cold, benchmarks call it first.
 */
export function warmUpBareMetal(jit = true): number {
  configureV8Tiers();
  const start = performance.now();
  warmUpInterpreter();
  if (jit) warmUpTranslator();
  return performance.now() - start;
}

export function runBareMetal(options: BareMetalOptions): BareMetalResult {
  const run = new BareMetalRun(options, 1_000_000);
  for (;;) {
    const step = run.step();
    if (typeof step !== 'number') return step;
    if (step > 0) Atomics.wait(sleeper, 0, 0, step);
  }
}

/**
 * runBareMetal returning to the event loop between steps, which translators on worker threads
 * need to deliver their results (JitOptions.translator, optimizer): the bench runs workloads so,
 * with the translators `rvisor run` has. Steps of 200,000 instructions, as `rvisor run`'s
 * (host/vm-runner.ts: longer ones leave translated pages waiting longer).
 */
export async function runBareMetalAsync(options: BareMetalOptions): Promise<BareMetalResult> {
  const run = new BareMetalRun(options, 200_000);
  for (;;) {
    const step = run.step();
    if (typeof step !== 'number') return step;
    await new Promise((resolve) => (step > 0 ? setTimeout(resolve, step) : setImmediate(resolve)));
  }
}

/** One bare-metal run: its machine, and steps until the result. */
class BareMetalRun {
  private readonly start = performance.now();
  private readonly pending: number[] = [];
  private readonly machine: Machine | undefined;
  private readonly image: ReturnType<typeof parseBareMetalImage> | undefined;
  private readonly limit: number;
  private resets = 0;
  private failure: string | undefined;

  constructor(
    private readonly options: BareMetalOptions,
    private readonly stepInstructions: number,
  ) {
    configureV8Tiers();
    this.limit = options.maxInstructions ?? Infinity;
    try {
      this.machine = new Machine({
        memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY,
        harts: options.harts ?? 1,
        clock: options.clock ?? 'host',
        jit: options.jit ?? true,
        jitOptions: options.jitOptions,
        onConsoleOutput: (byte) => {
          this.pending.push(byte);
          if (byte === 10 || this.pending.length >= 4096) this.flush();
        },
      });
      this.image = parseBareMetalImage(options.kernel, RAM_BASE);
      bootBareMetal(this.machine, this.image);
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err);
    }
  }

  private flush(): void {
    const pending = this.pending;
    if (pending.length > 0 && this.options.onConsole) this.options.onConsole(Uint8Array.from(pending));
    pending.length = 0;
  }

  private seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  private stopped(error: string, instret: number): BareMetalResult {
    this.flush();
    return { exitCode: 2, finisher: 'none', instret, seconds: this.seconds(), error };
  }

  /** Run a while: the result when the program is done, else milliseconds to sleep (0: none). */
  step(): BareMetalResult | number {
    const machine = this.machine;
    if (machine === undefined || this.failure !== undefined) return this.stopped(this.failure!, 0);
    try {
      const state = machine.run(Math.min(this.stepInstructions, this.limit - machine.retired()));
      const total = machine.retired();
      const event = machine.finishEvent;
      if (event !== undefined) {
        if (event.kind === 'reset' && this.resets++ < MAX_RESETS) {
          bootBareMetal(machine, this.image!, true);
          return 0;
        }
        this.flush();
        const seconds = this.seconds();
        const jit = machine.jit === undefined ? undefined : { ...machine.jit.stats };
        if (event.kind === 'pass') return { exitCode: 0, finisher: 'pass', instret: total, seconds, jit };
        if (event.kind === 'fail') {
          return {
            exitCode: event.code === 0 ? 1 : event.code,
            finisher: 'fail',
            instret: total,
            seconds,
            jit,
          };
        }
        return this.stopped('the guest kept resetting', total);
      }
      if (total >= this.limit) return this.stopped(`instruction limit of ${this.limit} reached`, total);
      if (state !== 'idle') return 0;
      this.flush();
      const ms = machine.idleMilliseconds(100);
      if (machine.nextDeadline() === Infinity && machine.harts.every((h) => h.mie === 0)) {
        return this.stopped(
          'all harts wait for interrupts that can never arrive (wfi with nothing enabled)',
          total,
        );
      }
      return ms > 0 ? ms : 0;
    } catch (err) {
      return this.stopped(err instanceof Error ? err.message : String(err), 0);
    }
  }
}
