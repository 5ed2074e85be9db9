// Translation on a worker thread: smc.S (hot loops on thirteen pages that rewrite their own code)
// must pass with translations arriving asynchronously, some of them made from bytes the guest
// rewrote meanwhile (those must be discarded, never installed), also with the second tier on its
// own worker; and a broken worker must surface as an error of the machine, not a hang.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { RAM_BASE } from '../engine/memmap.js';
import { prestartTranslator, WorkerTranslator, workerTranslators } from './translation-worker.js';
import type { JitOptions, PageTranslator } from '../engine/jit/jit.js';
import { DEFAULT_LIMITS } from '../engine/jit/translate.js';
import { addi, bne, machineWith } from '../engine/jit/test-asm.js';

// This file runs from dist/src/host/; the ISA programs stay in the source tree.
const SMC = new URL('../../../tests/isa/build/smc.elf', import.meta.url);

async function runSmc(translator: PageTranslator, more: JitOptions = {}): Promise<Machine> {
  const machine = new Machine({
    memoryBytes: 128 << 20,
    clock: 'icount',
    jitOptions: { hotThreshold: 10, translator, ...more },
  });
  bootBareMetal(machine, parseBareMetalImage(new Uint8Array(readFileSync(SMC)), RAM_BASE));
  while (machine.finishEvent === undefined && machine.retired() < 200_000_000) {
    machine.run(20_000);
    // Translations arrive as messages from the worker: give the event loop a turn.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return machine;
}

test(
  'pages translated on a worker thread run, and rewritten ones are translated again',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  async () => {
    const translator = new WorkerTranslator();
    try {
      // The worker first starts (and trains while idle): on a loaded machine smc.S could end before
      // its first translation came back. One round trip first, so that the run exercises them.
      await translator.translate(new Uint8Array(4096), [0], false, DEFAULT_LIMITS);
      const machine = await runSmc(translator);
      assert.equal(machine.finishEvent?.kind, 'pass');
      const stats = machine.jit!.stats;
      assert.ok(stats.instructions > 0, `translated code never ran: ${JSON.stringify(stats)}`);
      assert.ok(stats.translations > stats.pages, 'smc.S rewrites its code: pages are translated again');
      assert.ok(stats.translateMs > 0);
    } finally {
      await translator.close();
    }
  },
);

test(
  'a translator that fails makes the machine fail loudly',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  async () => {
    const translator = new WorkerTranslator();
    await translator.close();
    await assert.rejects(runSmc(translator), /translation worker was closed/);
  },
);

test(
  'with the second tier on its own worker too, rewritten pages still run their new code',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  async () => {
    const translator = new WorkerTranslator();
    const optimizer = new WorkerTranslator({ optimizing: true });
    try {
      await translator.translate(new Uint8Array(4096), [0], false, DEFAULT_LIMITS);
      // The second tier's worker starts on its first request: a round trip first, as above.
      const warm = await optimizer.translate(new Uint8Array(4096), [0], false, DEFAULT_LIMITS, true);
      assert.ok(warm.module instanceof WebAssembly.Module);
      // Whether smc.S runs long enough in one page for the second tier to be asked depends on
      // timing; that its result is discarded when the page changed is second-tier.test.ts's.
      const machine = await runSmc(translator, { optimizer, optimizeAfter: 1, optimizeWhenQuietMs: 0 });
      assert.equal(machine.finishEvent?.kind, 'pass');
    } finally {
      await Promise.all([translator.close(), optimizer.close()]);
    }
  },
);

test("a loop gets the second tier's code from its worker and computes as before", async () => {
  // 1: addi a0, a0, 1; addi a1, a1, 3; bne a0, t0, 1b (t0 = -1: never taken out)
  const loop = Uint32Array.of(addi(5, 0, -1), addi(10, 10, 1), addi(11, 11, 3), bne(10, 5, -8));
  const translator = new WorkerTranslator();
  const optimizer = new WorkerTranslator({ optimizing: true });
  try {
    const machine = machineWith(loop, {
      clock: 'icount',
      jitOptions: { hotThreshold: 10, translator, optimizer, optimizeAfter: 1, optimizeWhenQuietMs: 0 },
    });
    const stats = machine.jit!.stats;
    // Until the optimized code is installed (a worker start and a compile: well under a second on
    // an idle machine; a generous bound for a loaded one).
    const deadline = performance.now() + 60_000;
    while (stats.optimized === 0 && performance.now() < deadline) {
      machine.run(20_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(stats.optimized, 1, JSON.stringify(stats));
    const before = stats.instructions;
    machine.run(200_000);
    assert.ok(stats.instructions - before > 150_000, 'the optimized code runs');
    const reference = machineWith(loop, { clock: 'icount', jit: false });
    while (reference.retired() < machine.retired()) reference.run(machine.retired() - reference.retired());
    for (const r of [10, 11]) assert.equal(machine.harts[0].regs.x[r], reference.harts[0].regs.x[r]);
  } finally {
    await Promise.all([translator.close(), optimizer.close()]);
  }
});

test('translations arrive within a burst: the JIT takes them at a slice, without the event loop', async () => {
  const translator = new WorkerTranslator();
  try {
    // The worker's start-up, as above.
    await translator.translate(new Uint8Array(4096), [0], false, DEFAULT_LIMITS);
    const loop = Uint32Array.of(addi(5, 0, -1), addi(10, 10, 1), addi(11, 11, 3), bne(10, 5, -8));
    const machine = machineWith(loop, { clock: 'icount', jitOptions: { hotThreshold: 10, translator } });
    const stats = machine.jit!.stats;
    // One synchronous run of slices (the event loop gets no turn) until the translation is in, or
    // a generous deadline for a loaded machine: with answers only through the event loop, the
    // page would be interpreted to the deadline.
    const deadline = performance.now() + 60_000;
    while (stats.pages === 0 && performance.now() < deadline) machine.run(20_000);
    assert.equal(stats.pages, 1, JSON.stringify(stats));
    const before = stats.instructions;
    machine.run(100_000);
    assert.ok(stats.instructions - before > 90_000, 'the translation runs');
  } finally {
    await translator.close();
  }
});

test('poll takes nothing when nothing was posted, and answers settle once', async () => {
  const translator = new WorkerTranslator();
  try {
    translator.poll(); // before the worker starts
    const outcomes: unknown[] = [];
    translator.request(new Uint8Array(4096), [0], false, DEFAULT_LIMITS, false, [], (o) => outcomes.push(o));
    const deadline = performance.now() + 60_000;
    while (outcomes.length === 0 && performance.now() < deadline) translator.poll();
    assert.equal(outcomes.length, 1);
    assert.ok((outcomes[0] as { module: unknown }).module instanceof WebAssembly.Module);
    // The event loop's delivery of the same answer finds it taken.
    await new Promise((resolve) => setTimeout(resolve, 20));
    translator.poll();
    assert.equal(outcomes.length, 1);
  } finally {
    await translator.close();
  }
});

test('a prestarted translator is the one workerTranslators hands out, once, and it translates', async () => {
  prestartTranslator();
  const first = workerTranslators();
  const second = workerTranslators();
  try {
    assert.ok(first.translator instanceof WorkerTranslator && second.translator instanceof WorkerTranslator);
    assert.notEqual(first.translator, second.translator, 'the prestarted one is handed out once');
    const page = await first.translator.translate(new Uint8Array(4096), [0], false, DEFAULT_LIMITS);
    assert.ok(page.byteLength > 0);
  } finally {
    for (const t of [first, second]) {
      await (t.translator as WorkerTranslator).close();
      await (t.optimizer as WorkerTranslator).close();
    }
  }
});

test('a prestarted translator nobody claims does not keep the process alive', () => {
  // A script file, not `-e`: a worker inherits the process's flags, and --input-type stops it.
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-prestart-'));
  try {
    const module = new URL('./translation-worker.js', import.meta.url).href;
    const script = join(dir, 'prestart.mjs');
    writeFileSync(
      script,
      `const m = await import(${JSON.stringify(module)});\nm.prestartTranslator();\nconsole.log('started');\n`,
    );
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.error, undefined, 'exited by itself (a held worker keeps it until the timeout)');
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /started/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
