// Translation on a worker thread: smc.S (hot loops on thirteen pages that rewrite their own code)
// must pass with translations arriving asynchronously, some of them made from bytes the guest
// rewrote meanwhile (those must be discarded, never installed); and a broken worker must surface
// as an error of the machine, not a hang.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Machine } from '../engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { RAM_BASE } from '../engine/memmap.js';
import { WorkerTranslator } from './translation-worker.js';
import type { PageTranslator } from '../engine/jit/jit.js';
import { DEFAULT_LIMITS } from '../engine/jit/translate.js';

// This file runs from dist/src/host/; the ISA programs stay in the source tree.
const SMC = new URL('../../../tests/isa/build/smc.elf', import.meta.url);

async function runSmc(translator: PageTranslator): Promise<Machine> {
  const machine = new Machine({
    memoryBytes: 128 << 20,
    clock: 'icount',
    jitOptions: { hotThreshold: 10, translator },
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
