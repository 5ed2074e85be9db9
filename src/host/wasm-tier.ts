// V8 compiles WebAssembly twice: Liftoff (a fast baseline compiler) first, then TurboFan for hot
// functions. For the JIT's page functions (one loop dispatching over many blocks, guest registers
// in dozens of i64 locals) TurboFan's code measured 2-3x slower than Liftoff's on every bare-metal
// workload (intmix 94 vs 263 MIPS, crc32 379 vs 974, sort 274 vs 495; `npm run bench`), and its
// compile time is wasted on code that is often retranslated. So the host asks V8 for Liftoff
// only, before any module is compiled. Browsers keep their default tiering.

import v8 from 'node:v8';

let applied = false;

export function preferBaselineWasm(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--liftoff-only');
}
