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
  configureV8Tiers();
  const start = performance.now();
  const pending: number[] = [];
  const flush = () => {
    if (pending.length > 0 && options.onConsole) options.onConsole(Uint8Array.from(pending));
    pending.length = 0;
  };
  let machine: Machine;
  try {
    machine = new Machine({
      memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY,
      harts: options.harts ?? 1,
      clock: options.clock ?? 'host',
      jit: options.jit ?? true,
      jitOptions: options.jitOptions,
      onConsoleOutput: (byte) => {
        pending.push(byte);
        if (byte === 10 || pending.length >= 4096) flush();
      },
    });
    const image = parseBareMetalImage(options.kernel, RAM_BASE);
    bootBareMetal(machine, image);
    const limit = options.maxInstructions ?? Infinity;
    let resets = 0;
    let total = 0;
    for (;;) {
      const state = machine.run(Math.min(1_000_000, limit - total));
      total = machine.retired();
      const event = machine.finishEvent;
      if (event !== undefined) {
        if (event.kind === 'reset' && resets++ < MAX_RESETS) {
          bootBareMetal(machine, image, true);
          continue;
        }
        flush();
        const seconds = (performance.now() - start) / 1000;
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
        return { exitCode: 2, finisher: 'none', instret: total, seconds, error: 'the guest kept resetting' };
      }
      if (total >= limit) {
        flush();
        return {
          exitCode: 2,
          finisher: 'none',
          instret: total,
          seconds: (performance.now() - start) / 1000,
          error: `instruction limit of ${limit} reached`,
        };
      }
      if (state === 'idle') {
        flush();
        const ms = machine.idleMilliseconds(100);
        if (machine.nextDeadline() === Infinity && machine.harts.every((h) => h.mie === 0)) {
          return {
            exitCode: 2,
            finisher: 'none',
            instret: total,
            seconds: (performance.now() - start) / 1000,
            error: 'all harts wait for interrupts that can never arrive (wfi with nothing enabled)',
          };
        }
        if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
      }
    }
  } catch (err) {
    flush();
    return {
      exitCode: 2,
      finisher: 'none',
      instret: 0,
      seconds: (performance.now() - start) / 1000,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
