// The code cache is bounded: past its page or byte limit it is emptied (jit.ts), so a guest that
// keeps generating or touching code cannot make the host run out of memory, and the guest still
// computes the same results. smc.S runs hot loops on thirteen pages and rewrites its code: with
// room for only two pages the cache must flush many times and the program must still pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runBareMetal } from '../../host/bare-metal.js';

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
