// The code cache is bounded: past its page or byte limit it is emptied (jit.ts), so a guest that
// keeps generating or touching code cannot make the host run out of memory, and the guest still
// computes the same results. smc.S runs hot loops on thirteen pages and rewrites its code: with
// room for only two pages the cache must flush many times and the program must still pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runBareMetal } from '../../host/bare-metal.js';
import { Machine } from '../machine.js';
import { bootBareMetal, parseBareMetalImage } from '../boot.js';
import { RAM_BASE } from '../memmap.js';

// This file runs from dist/src/engine/jit/; the ISA programs stay in the source tree.
const SMC = new URL('../../../../tests/isa/build/smc.elf', import.meta.url);

test(
  'a full code cache is flushed and the guest still passes',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  () => {
    const kernel = new Uint8Array(readFileSync(SMC));
    for (const limits of [{ maxPages: 2 }, { maxCodeBytes: 12_000 }]) {
      const result = runBareMetal({
        kernel,
        clock: 'icount',
        maxInstructions: 200_000_000,
        jitOptions: { hotThreshold: 10, ...limits },
      });
      assert.equal(result.finisher, 'pass', `${JSON.stringify(limits)}: ${result.error ?? result.exitCode}`);
      const jit = result.jit!;
      assert.ok(
        jit.flushes > 0,
        `${JSON.stringify(limits)}: the cache never filled (${JSON.stringify(jit)})`,
      );
      assert.ok(jit.pages <= (limits.maxPages ?? Infinity), `${jit.pages} pages kept`);
      assert.ok(jit.codeBytes <= (limits.maxCodeBytes ?? Infinity), `${jit.codeBytes} bytes kept`);
      assert.ok(jit.instructions > 0, 'translated code never ran');
    }
  },
);

test(
  'without limits the same program keeps its translations',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  () => {
    const result = runBareMetal({
      kernel: new Uint8Array(readFileSync(SMC)),
      clock: 'icount',
      maxInstructions: 200_000_000,
      jitOptions: { hotThreshold: 10 },
    });
    assert.equal(result.finisher, 'pass');
    assert.equal(result.jit!.flushes, 0);
  },
);

test(
  'background compilation installs translations, and drops those of pages written meanwhile',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  async () => {
    const machine = new Machine({
      memoryBytes: 128 << 20,
      clock: 'icount',
      jitOptions: { hotThreshold: 10, asyncCompile: true },
    });
    bootBareMetal(machine, parseBareMetalImage(new Uint8Array(readFileSync(SMC)), RAM_BASE));
    let total = 0;
    while (machine.finishEvent === undefined && total < 200_000_000) {
      machine.run(20_000);
      total = machine.retired();
      // Compiled modules arrive as promise callbacks: give the event loop a turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(machine.finishEvent?.kind, 'pass');
    const stats = machine.jit!.stats;
    assert.ok(stats.instructions > 0, `translated code never ran: ${JSON.stringify(stats)}`);
    assert.ok(stats.translations > stats.pages, 'smc.S rewrites its code: pages are translated again');
  },
);
