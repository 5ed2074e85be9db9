// Where SharedArrayBuffer is unavailable (a browser page that is not cross-origin isolated), the
// machine's memory is an ordinary one and page functions import it as such (hart-state.ts
// SHARED_MEMORY, wasm-writer.ts): a self-modifying program, translated and retranslated, runs the
// same there. Run in a child process started without SharedArrayBuffer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runModuleChild } from '../../../tests/helpers/module-child.js';

// This file runs from dist/src/engine/jit/; the ISA programs stay in the source tree.
const SMC = new URL('../../../../tests/isa/build/smc.elf', import.meta.url);

const CHILD = `
const [machineUrl, bootUrl, memmapUrl, hartStateUrl, program] = process.argv.slice(1);
const { readFileSync } = await import('node:fs');
const { Machine } = await import(machineUrl);
const { bootBareMetal, parseBareMetalImage } = await import(bootUrl);
const { RAM_BASE } = await import(memmapUrl);
const { SHARED_MEMORY } = await import(hartStateUrl);
const machine = new Machine({ memoryBytes: 64 << 20, clock: 'icount', jitOptions: { hotThreshold: 10 } });
bootBareMetal(machine, parseBareMetalImage(new Uint8Array(readFileSync(new URL(program))), RAM_BASE));
while (machine.finishEvent === undefined && machine.retired() < 200_000_000) machine.run(100_000);
const stats = machine.jit.stats;
console.log(JSON.stringify({
  sabType: typeof SharedArrayBuffer,
  shared: SHARED_MEMORY,
  bufferIsShared: Object.prototype.toString.call(machine.memory.buffer),
  finish: machine.finishEvent?.kind,
  translated: stats.instructions,
  translations: stats.translations,
  pages: stats.pages,
}));
`;

test(
  'without SharedArrayBuffer the machine runs on an ordinary memory, translated code included',
  { skip: !existsSync(SMC) && 'tests/isa not built' },
  () => {
    const at = (path: string) => new URL(path, import.meta.url).href;
    const result = runModuleChild<Record<string, unknown>>(['--no-harmony-sharedarraybuffer'], CHILD, [
      at('../machine.js'),
      at('../boot.js'),
      at('../memmap.js'),
      at('../cpu/hart-state.js'),
      SMC.href,
    ]);
    assert.equal(result.sabType, 'undefined');
    assert.equal(result.shared, false);
    assert.equal(result.bufferIsShared, '[object ArrayBuffer]');
    assert.equal(result.finish, 'pass');
    assert.ok((result.translated as number) > 0, `translated code ran: ${JSON.stringify(result)}`);
    assert.ok((result.translations as number) > (result.pages as number), 'smc.S made pages translate again');
  },
);
