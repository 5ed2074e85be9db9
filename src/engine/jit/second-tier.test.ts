// The JIT's second tier (jit.ts JitOptions.optimizer): a translated page that has run enough is
// translated again with a hint for V8's optimizing compiler, and the result replaces its code when
// nothing changed meanwhile. V8 must really follow the hint under rvisor's settings (checked in a
// child process that prints which compiler made each function); the replacement must keep the
// guest's results; a page written while its optimization is in flight must not get the stale
// result; and nothing is optimized while the first tier is busy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { addi, bne, machineWith } from './test-asm.js';
import { translatePageCopy } from './translate.js';
import type { JitOptions, PageTranslator, TranslatedPage } from './jit.js';
import type { Machine } from '../machine.js';

const A0 = 10;
const A1 = 11;
const A2 = 12;
const T0 = 5;

/** `1: addi a0, a0, 1; addi a1, a1, 3; add-ish a2; bne a0, t0, 1b` with t0 never reached. */
const LOOP = Uint32Array.of(
  addi(T0, 0, -1),
  addi(A0, A0, 1),
  addi(A1, A1, 3),
  addi(A2, A1, -7),
  bne(A0, T0, -12),
);

/** An optimizer on this thread: translatePageCopy with the hint, compiled when first called. */
class LocalOptimizer implements PageTranslator {
  readonly requests: { entries: number[]; optimize: boolean | undefined }[] = [];
  /** Set: results wait for release() (a request in flight). */
  held: (() => void)[] | undefined;

  readonly translate: PageTranslator['translate'] = (code, entries, sweep, limits, optimize) => {
    this.requests.push({ entries, optimize });
    const result = translatePageCopy(code, entries, limits, sweep, optimize);
    const page: TranslatedPage = {
      module: new WebAssembly.Module(result.bytes),
      resume: result.resume,
      byteLength: result.bytes.length,
      ms: 0.5,
    };
    if (this.held === undefined) return Promise.resolve(page);
    const held = this.held;
    return new Promise((resolve) => held.push(() => resolve(page)));
  };

  release(): void {
    for (const go of this.held ?? []) go();
    this.held = undefined;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function loopMachine(jitOptions: JitOptions | undefined): Machine {
  return machineWith(LOOP, { clock: 'icount', jit: jitOptions !== undefined, jitOptions });
}

/** Run `machine` to `instructions` retired in slices, giving the event loop a turn after each. */
async function runTo(machine: Machine, instructions: number): Promise<void> {
  while (machine.retired() < instructions) {
    machine.run(Math.min(20_000, instructions - machine.retired()));
    await turn();
  }
}

const registers = (m: Machine) => [A0, A1, A2].map((r) => m.harts[0].regs.x[r]);

/**
 * What V8 prints about the code it compiles for one page function (--print-wasm-code names the
 * compiler of each function; a flag of the whole process, hence a child with the flags
 * host/v8-tiers.ts sets). The child also compiles the import trampolines, with Liftoff.
 */
function compilersOfPage(optimize: boolean): string {
  const code = `
    const { translatePageCopy, DEFAULT_LIMITS, inertPageImports } = await import(process.argv[1]);
    const { newWasmMemory } = await import(process.argv[2]);
    const page = new Uint8Array(4096);
    new DataView(page.buffer).setUint32(0, 0x00150513, true); // addi a0, a0, 1
    new DataView(page.buffer).setUint32(4, 0xffdff06f, true); // j 0
    const bytes = translatePageCopy(page, [0], DEFAULT_LIMITS, false, process.argv[3] === 'true').bytes;
    const imports = inertPageImports(newWasmMemory(1));
    new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports.run(0, 0n, 0, 0, 0);`;
  return execFileSync(
    process.execPath,
    [
      '--liftoff-only',
      '--experimental-wasm-compilation-hints',
      '--print-wasm-code',
      '--input-type=module',
      '-e',
      code,
      new URL('./translate.js', import.meta.url).href,
      new URL('../cpu/hart-state.js', import.meta.url).href,
      String(optimize),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
}

test("V8 compiles a page hinted for optimization with TurboFan under rvisor's settings", () => {
  const plain = compilersOfPage(false);
  assert.match(plain, /compiler: Liftoff/);
  assert.doesNotMatch(plain, /compiler: TurboFan/);
  assert.match(compilersOfPage(true), /compiler: TurboFan/);
});

test('a page that has run enough gets the second tier’s code, and the guest’s results stay the same', async () => {
  const optimizer = new LocalOptimizer();
  const machine = loopMachine({ hotThreshold: 10, optimizer, optimizeAfter: 1, optimizeWhenQuietMs: 0 });
  const reference = loopMachine(undefined);
  await runTo(machine, 200_000);
  const stats = machine.jit!.stats;
  assert.equal(stats.optimized, 1, JSON.stringify(stats));
  assert.deepEqual(
    optimizer.requests.map((r) => r.optimize),
    [true],
    'one request, for optimized code',
  );
  assert.ok(stats.optimizeMs > 0);
  // The optimized code runs on: the loop keeps running translated, with the same results.
  const before = stats.instructions;
  await runTo(machine, 400_000);
  assert.ok(stats.instructions - before > 150_000, `translated instructions: ${stats.instructions}`);
  assert.equal(stats.optimized, 1, 'optimized once');
  await runTo(reference, 400_000);
  assert.deepEqual(registers(machine), registers(reference));
  assert.equal(machine.harts[0].pc, reference.harts[0].pc);
});

test('an optimization made from bytes written meanwhile is thrown away', async () => {
  const optimizer = new LocalOptimizer();
  optimizer.held = [];
  const machine = loopMachine({ hotThreshold: 10, optimizer, optimizeAfter: 1, optimizeWhenQuietMs: 0 });
  await runTo(machine, 100_000);
  assert.equal(optimizer.requests.length, 1, 'the optimization was asked for');
  // Rewrite the loop's increment (as DMA or the loader would): the translation is dropped.
  const bytes = new Uint8Array(Uint32Array.of(addi(A0, A0, 2)).buffer);
  machine.ram.write(4, bytes);
  optimizer.release();
  await turn();
  const stats = machine.jit!.stats;
  assert.equal(stats.optimized, 0, JSON.stringify(stats));
  assert.equal(stats.discarded, 1);
  // The new code runs (a0 now steps by 2 and still never meets t0 = -1).
  const a0 = machine.harts[0].regs.x[A0];
  await runTo(machine, 200_000);
  assert.ok(machine.harts[0].regs.x[A0] - a0 > 2n * 10_000n);
});

test('nothing is optimized while the first tier has been busy within optimizeWhenQuietMs', async () => {
  const optimizer = new LocalOptimizer();
  const machine = loopMachine({
    hotThreshold: 10,
    optimizer,
    optimizeAfter: 1,
    optimizeWhenQuietMs: 1e9,
  });
  await runTo(machine, 200_000);
  assert.equal(optimizer.requests.length, 0);
  assert.equal(machine.jit!.stats.optimized, 0);
  assert.ok(machine.jit!.stats.instructions > 150_000, 'the first tier’s code runs');
});

test('a failing optimizer leaves the first tier’s code running', async () => {
  let asked = 0;
  const failing: PageTranslator = {
    translate: () => {
      asked++;
      return Promise.reject(new Error('out of memory in the optimizing compiler'));
    },
  };
  const machine = loopMachine({
    hotThreshold: 10,
    optimizer: failing,
    optimizeAfter: 1,
    optimizeWhenQuietMs: 0,
  });
  const reference = loopMachine(undefined);
  await runTo(machine, 300_000);
  await runTo(reference, 300_000);
  assert.equal(asked, 1, 'asked once, then the second tier is off');
  assert.equal(machine.jit!.stats.optimized, 0);
  assert.ok(machine.jit!.stats.instructions > 200_000);
  assert.deepEqual(registers(machine), registers(reference));
});
