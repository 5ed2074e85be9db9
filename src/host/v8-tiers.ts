// Settings for V8's compiler tiers, made once per process (and per worker) before the emulator's
// code gets hot. Browsers keep their defaults.
//
// - WebAssembly: V8 compiles it twice, Liftoff (a fast baseline compiler) first, then TurboFan for
//   hot functions. For the JIT's page functions (one loop dispatching over many blocks, guest
//   registers in dozens of i64 locals) TurboFan's code measured 2-3x slower than Liftoff's on
//   every bare-metal workload (intmix 94 vs 263 MIPS, crc32 379 vs 974, sort 274 vs 495; `npm run
//   bench`), and its compile time is wasted on code that is often retranslated: Liftoff only.
//   Except where the JIT asks: a page that has run long enough is compiled again with a
//   compilation hint for TurboFan (jit.ts Jit.optimize; wasm-writer.ts HINT_OPTIMIZED), which V8
//   reads only with --experimental-wasm-compilation-hints. On today's page functions TurboFan's
//   code is the faster one once compiled: ten-times-longer bench workloads ran 12-27% faster
//   (fpkernel 3.3 -> 2.45 s, bignum 1.1 -> 0.8 s, intmix 1.3 -> 1.1 s), but it compiles at ~4.5 ms a
//   KiB of wasm against Liftoff's ~0.5, which only long-running pages repay.
// - JavaScript on-stack replacement (OSR): while TurboFan compiles a hot function on a background
//   thread, V8 also compiles an OSR version of it for an invocation still looping in the baseline
//   tier. The interpreter's runSlice is the only function here that both loops long and is called
//   thousands of times: its first TurboFan compile (~330 ms at start-up, on the core the
//   translation worker needs) was followed by an OSR compile of ~300-500 ms more, of code used only
//   by the calls already running. The next call enters the optimized code anyway. Measured on the
//   Debian boot (`--trace-opt`): TurboFan 3.8-4.0 s of background time with OSR, 2.9-3.5 s
//   without; spawn to prompt, 2 harts, interleaved runs: median 7.9 s with, 7.5 s without (a
//   loaded host; the 1-hart "Linux version" line 4.35 s vs 4.07 s).

import v8 from 'node:v8';

let applied = false;

export function configureV8Tiers(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--experimental-wasm-compilation-hints');
  v8.setFlagsFromString('--no-use-osr');
}
