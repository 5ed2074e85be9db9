// Runs a machine on the Node event loop: bursts of guest instructions, then a yield so console
// input and timers are served; an idle guest (all harts in wfi) sleeps until its next deadline
// instead of spinning (STYLE.md rule 8).

import type { Machine } from '../engine/machine.js';

export interface VmRunOptions {
  /** Called after every burst (e.g. to flush console output). */
  afterBurst?: () => void;
  /** Reload the guest after a reset request (test finisher 0x7777). */
  onReset: () => void;
  /** Resolves the run early with this exit status (e.g. Ctrl-A X). */
  stopSignal?: { stopped: boolean; exitCode: number };
  /**
   * Instructions per burst (default 200,000). Between bursts the event loop also delivers the
   * translation worker's results: with 2,000,000 a Debian boot waited longer for each installed
   * page and interpreted 74-87M instructions instead of 53-58M (boot 8.2-11.7 s against
   * 7.8-8.4 s, three interleaved pairs).
   */
  burst?: number;
}

export interface VmExit {
  exitCode: number;
  reason: 'pass' | 'fail' | 'stopped' | 'error';
  message?: string;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runVm(machine: Machine, options: VmRunOptions): Promise<VmExit> {
  const burst = options.burst ?? 200_000;
  // A device finishing work (disk I/O, console input) ends an idle sleep at once.
  let wake: (() => void) | undefined;
  const previousHook = machine.onDeviceEvent;
  machine.onDeviceEvent = () => {
    previousHook?.();
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake?.(), ms);
      wake = () => {
        wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  try {
    return await runLoop(machine, options, burst, sleep);
  } finally {
    machine.onDeviceEvent = previousHook;
  }
}

async function runLoop(
  machine: Machine,
  options: VmRunOptions,
  burst: number,
  sleep: (ms: number) => Promise<void>,
): Promise<VmExit> {
  for (;;) {
    let state;
    try {
      state = machine.run(burst);
    } catch (err) {
      options.afterBurst?.();
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      return { exitCode: 2, reason: 'error', message: `emulator error: ${message}` };
    }
    options.afterBurst?.();
    const event = machine.finishEvent;
    if (event !== undefined) {
      if (event.kind === 'pass') return { exitCode: 0, reason: 'pass' };
      if (event.kind === 'fail') return { exitCode: event.code === 0 ? 1 : event.code, reason: 'fail' };
      options.onReset();
      continue;
    }
    if (options.stopSignal?.stopped) return { exitCode: options.stopSignal.exitCode, reason: 'stopped' };
    if (state === 'idle') await sleep(Math.max(1, machine.idleMilliseconds(50)));
    else await yieldToEventLoop();
    if (options.stopSignal?.stopped) return { exitCode: options.stopSignal.exitCode, reason: 'stopped' };
  }
}
