// Differential check of the two engine tiers on the benchmark workloads (small builds): the
// interpreter alone and the JIT must end in the same architectural state — console output,
// retired instructions, pc, privilege, integer and FP registers, fflags/frm and the trap CSRs.
// Guest time follows retired instructions (icount) so both runs see the same timer values. Twice:
// with V8's baseline code for the translated pages, and with its optimizing compiler's (the JIT's
// second tier, every page straight away), in a process with rvisor's V8 settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { WORKLOADS, workloadElf } from './programs.js';
import { Machine } from '../src/engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../src/engine/boot.js';
import { RAM_BASE } from '../src/engine/memmap.js';
import type { JitOptions } from '../src/engine/jit/jit.js';
import { configureV8Tiers } from '../src/host/v8-tiers.js';

configureV8Tiers();

const LIMIT = 100_000_000;

function run(kernel: Uint8Array, jit: boolean, jitOptions: JitOptions = { hotThreshold: 50 }) {
  let console = '';
  const machine = new Machine({
    memoryBytes: 128 * 1024 * 1024,
    clock: 'icount',
    jit,
    jitOptions,
    onConsoleOutput: (byte) => (console += String.fromCharCode(byte)),
  });
  bootBareMetal(machine, parseBareMetalImage(kernel, RAM_BASE));
  while (machine.finishEvent === undefined && machine.retired() < LIMIT) {
    if (machine.run(1_000_000) === 'idle') break;
  }
  const h = machine.harts[0];
  return {
    machine,
    state: {
      console,
      finish: machine.finishEvent?.kind,
      retired: h.retired(),
      pc: h.pc,
      priv: h.priv,
      x: [...h.regs.x.subarray(0, 32)].map(String),
      f: [...h.fregs.bits].map(String),
      fflags: h.fpu.fflags,
      frm: h.fpu.frm,
      csrs: [h.mstatus, h.mcause, h.mepc, h.mtval].map(String),
    },
  };
}

const TIERS: { name: string; options: JitOptions }[] = [
  { name: 'the JIT', options: { hotThreshold: 50 } },
  { name: 'the JIT with optimized code', options: { hotThreshold: 50, optimizeAll: true } },
];

for (const w of WORKLOADS) {
  const elf = workloadElf(w.name, 'small');
  for (const tier of TIERS)
    test(
      `workload ${w.name} (small): ${tier.name} ends in the interpreter's state`,
      { skip: !existsSync(elf) && 'bench/programs not built' },
      () => {
        const kernel = new Uint8Array(readFileSync(elf));
        const reference = run(kernel, false);
        const translated = run(kernel, true, tier.options);
        assert.equal(reference.state.finish, 'pass', reference.state.console);
        assert.deepEqual(translated.state, reference.state);
        const stats = translated.machine.jit!.stats;
        assert.ok(
          stats.instructions > 0.5 * translated.state.retired,
          `translated code ran ${stats.instructions} of ${translated.state.retired}`,
        );
      },
    );
}
