// A training run for V8, once per process, before a VM boots.
//
// V8 optimizes a JavaScript function for the cases it has seen run; a case first reached after
// that (an opcode the interpreter's switch had not met yet, a load's MMIO slow path, a trap taken
// from U-mode) has no type feedback, so the optimized code deoptimizes there ("insufficient type
// feedback"), runs in the baseline tier and is recompiled on a background thread, which competes
// with the translation worker for the second core. A Debian boot met ~13 such deopts of the
// interpreter's loop alone (2 after this training), each where a guest phase starts using new
// instructions; the translator, on its worker, had the same problem. With this training (~70 ms,
// counted in the boot) the boot to the shell took 6.14 s instead of 6.87 s (4 interleaved pairs).
//
// The training program (warm-up-program.ts): every row of the instruction table (decode-table.ts)
// once, with operands chosen so that it runs in place (register fields from a scratch set, memory
// operands through a data pointer, jumps and branches to the next slot, CSRs from a harmless
// list), a sample of every compressed form, and a few accesses to the UART (a device behind the
// loads' slow path). This sweep runs in M-mode without translation, in S-mode under Sv57 (as
// Linux: kernel-half addresses) and in U-mode, a number of rounds; a trap handler in M-mode skips
// whatever faults (illegal in that mode, misaligned, page faults), and the sweep's closing ecall
// moves on to the next mode. A scratch machine runs it (through the JIT's run loop, nothing hot
// enough to translate); nothing of it is kept but what V8 learnt.
// Around it: the decoder run over the sweep a few more times (V8 keeps feedback only from a
// function's first few calls on), and the loads' and stores' slow paths exercised directly, every
// width and every device of the machine (cpu/decoder.ts trainDecoder, exerciseSlowAccesses).
// Measured against the boot's own deoptimizations (`node --trace-deopt`): ~60 in a 2-hart Debian
// boot before these and the program's edge cases (PMP, sret/wfi, SUM, loops...), 18-24 after.
//
// The translation worker uses the same sweep to train the translator (its own isolate): it
// translates the sweep's page, from each of its sections, until the first request. It imports the
// program's module only, not this one: the machine and its devices cost the worker ~25 ms of
// module loading at start-up, while the guest's thread and the reads compete for the cores.

import { runSlice } from './cpu/interpreter.js';
import { loadSlow, storeSlow } from './cpu/mmu.js';
import { Machine } from './machine.js';
import { CLINT_BASE, PLIC_BASE, RAM_BASE, RTC_BASE, TEST_FINISHER_BASE, UART0_BASE } from './memmap.js';
import { trainDecoder } from './cpu/decoder.js';
import {
  DECODER_TRAINING_ROUNDS,
  PHASE_REG,
  RAM_BYTES,
  SCRATCH_DATA,
  sweepInstructionWords,
  warmUpProgram,
} from './warm-up-program.js';

export { warmUpProgram, warmUpSweepPage } from './warm-up-program.js';

export interface WarmUpResult {
  instructions: number;
  /** Of them, run as translated code (none unless the run's hot threshold lets pages be translated). */
  translated: number;
  /** The program reached the test finisher with its pass value. */
  finished: boolean;
  /** Sweeps completed (the handler's phase register): 3 per round. */
  sweeps: number;
}

let warmed = false;

/**
 * Run the training program through the interpreter on a scratch machine, once per process
 * (later calls return undefined at once). Takes a few tens of milliseconds.
 */
export function warmUpInterpreter(rounds = 10): WarmUpResult | undefined {
  if (warmed) return undefined;
  warmed = true;
  return runWarmUp(rounds);
}

let translatorWarmed = false;

/**
 * Train the translator on this thread, once per process (later calls return undefined): the
 * training program again, its pages hot enough to be translated (on this thread: no worker) and
 * run as translated code, exits, resumes and traps included. For bare-metal programs, whose
 * pages are translated where the guest runs: the first ones are otherwise translated by cold
 * JavaScript and leave for a cold run loop.
 */
export function warmUpTranslator(rounds = 10): WarmUpResult | undefined {
  if (translatorWarmed) return undefined;
  translatorWarmed = true;
  return runWarmUp(rounds, TRANSLATOR_TRAINING_HEAT);
}

/** Heat that makes the training program's pages translated during warmUpTranslator's run. */
const TRANSLATOR_TRAINING_HEAT = 300;

/**
 * A register of each device of the training machine that reads and writes back without effect:
 * the UART's scratch, hart 0's msip (0), source 1's priority, the RTC's time (a byte write is
 * ignored), the test finisher (0 is no command).
 */
const DEVICE_REGISTERS: [number, 1 | 4][] = [
  [UART0_BASE + 7, 1],
  [CLINT_BASE, 4],
  [PLIC_BASE + 4, 4],
  [RTC_BASE, 1],
  [TEST_FINISHER_BASE, 4],
];

/**
 * Every width through the loads' and stores' slow path (mmu.ts) to RAM, aligned (M-mode, no
 * translation): the sweep's aligned accesses all hit the TLB entry an earlier access
 * filled, so the slow path met aligned RAM accesses of 2 and 4 bytes first in the guest. Before
 * the run, so that V8 optimizes these functions with this feedback in.
 */
function exerciseSlowAccesses(machine: Machine): void {
  const hart = machine.harts[0];
  const address = RAM_BASE + SCRATCH_DATA;
  // Enough rounds for V8 to give the functions feedback vectors early on (see trainDecoder).
  for (let round = 0; round < 16; round++) {
    for (const size of [1, 2, 4, 8]) {
      hart.flushTranslations();
      if (loadSlow(hart, address, 0, size)) storeSlow(hart, address, 0, size);
    }
    // Each of the machine's five devices, read and written back: the bus's call into a device
    // is then megamorphic from the start. Trained on fewer kinds, V8 inlined those into the bus
    // (and the bus into the loads' and stores' slow paths) and deoptimized them all ("wrong map")
    // at the first access to another, the PLIC's or a virtio transport's, in a Linux boot.
    for (const [at, size] of DEVICE_REGISTERS) {
      if (loadSlow(hart, at, 0, size)) storeSlow(hart, at, 0, size);
    }
    // The UART's other registers, read only (Linux's 8250 driver reads them all).
    for (let register = 1; register < 7; register++) loadSlow(hart, UART0_BASE + register, 0, 1);
  }
}

/**
 * One run of the training program (tests call this directly). With the JIT's run loop but, by
 * default, nothing ever hot enough to translate: the loop that interprets between translated
 * pages (jit.ts) gets its feedback too (first 100K instructions of a boot ~70 -> ~35 ms).
 */
export function runWarmUp(rounds: number, hotThreshold = Number.MAX_SAFE_INTEGER): WarmUpResult {
  const program = warmUpProgram(rounds);
  // The run decodes each instruction once (the decode cache keeps it): too early for V8's feedback.
  trainDecoder(sweepInstructionWords(program), DECODER_TRAINING_ROUNDS);
  const machine = new Machine({
    memoryBytes: RAM_BYTES,
    jitOptions: { hotThreshold },
  });
  machine.ram.u8.set(program);
  const hart = machine.harts[0];
  exerciseSlowAccesses(machine);
  hart.reset(RAM_BASE);
  const limit = 8000 * rounds + 100_000;
  for (let i = 0; machine.finishEvent === undefined && machine.retired() < limit; i++) {
    // As the machine runs slices, and as the JIT resumes the interpreter for a few instructions
    // up to a page change (jit.ts).
    if (i % 2 === 0) {
      if (machine.run(5_000) === 'idle') break;
    } else {
      for (let k = 0; k < 200; k++) {
        hart.endSlice = false;
        runSlice(hart, 1 + (k % 61), true, true);
      }
    }
  }
  return {
    instructions: machine.retired(),
    translated: machine.jit?.stats.instructions ?? 0,
    finished: machine.finishEvent?.kind === 'pass',
    sweeps: Number(hart.regs.x[PHASE_REG]),
  };
}
