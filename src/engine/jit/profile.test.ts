// The JIT's profile (JitOptions.profile, Jit.profileEntries): a run hands over the digests and
// entries of the pages it translated; a later run given them translates such a page when it first
// runs, with those entries, instead of after hotThreshold interpreted instructions, and runs
// exactly as without (the profile only says when and from where to translate).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addi, bne, machineWith } from './test-asm.js';
import type { JitOptions } from './jit.js';
import type { Machine } from '../machine.js';
import { pageDigest } from './page-digest.js';

const [T0, A0, A1, A2] = [5, 10, 11, 12];

/** `1: addi a0, a0, 1; addi a1, a1, 3; addi a2, a1, -7; bne a0, t0, 1b`, t0 = 4094. */
const LOOP = Uint32Array.of(
  addi(T0, 0, 0x7ff),
  addi(T0, T0, 0x7ff), // t0 = 4094: few enough iterations to stay below a high hot threshold
  addi(A0, A0, 1),
  addi(A1, A1, 3),
  addi(A2, A1, -7),
  bne(A0, T0, -12),
);
const LOOP_INSTRUCTIONS = 2 + 4 * 4094;

function run(jitOptions: JitOptions): Machine {
  const machine = machineWith(LOOP, { clock: 'icount', jitOptions });
  // Exactly the loop's instructions (--icount: slices end where asked).
  while (machine.retired() < LOOP_INSTRUCTIONS)
    machine.run(Math.min(1000, LOOP_INSTRUCTIONS - machine.retired()));
  return machine;
}

const registers = (m: Machine) => [A0, A1, A2].map((r) => m.harts[0].regs.x[r]);

test('a page in the profile is translated when it first runs, with the same results', () => {
  // First run: the loop gets hot (threshold 1000) and translated; its profile names the page.
  const first = run({ hotThreshold: 1000, profile: new Map() });
  assert.ok(first.jit!.stats.translations >= 1);
  const profile = new Map(first.jit!.profileEntries());
  const digest = pageDigest(first.ram.u8, 0);
  assert.ok(profile.has(digest), 'the loop page is in the profile');
  assert.ok(profile.get(digest)!.length > 0, 'with the entries its translation was made from');

  // With a threshold the loop never reaches, only the profile gets it translated.
  const cold = run({ hotThreshold: 1e9 });
  assert.equal(cold.jit!.stats.translations, 0);
  const warm = run({ hotThreshold: 1e9, profile });
  assert.equal(warm.jit!.stats.profileHits, 1);
  assert.equal(warm.jit!.stats.translations, 1);
  // Nearly all of the loop ran translated (the first instructions before the translation).
  assert.ok(warm.jit!.stats.instructions > LOOP_INSTRUCTIONS - 100, `${warm.jit!.stats.instructions}`);
  assert.deepEqual(registers(warm), registers(cold));
  assert.deepEqual(registers(warm), registers(first));
  assert.equal(warm.harts[0].pc, cold.harts[0].pc);
});

test('a profile of other content changes nothing', () => {
  const other = new Map([['0123456789abcdef', [0, 8]]]);
  const machine = run({ hotThreshold: 1e9, profile: other });
  assert.equal(machine.jit!.stats.profileHits, 0);
  assert.equal(machine.jit!.stats.translations, 0);
});

test('offsets in a profile that are not instructions of the page are left out', () => {
  const first = run({ hotThreshold: 1000, profile: new Map() });
  const digest = pageDigest(first.ram.u8, 0);
  const cold = run({ hotThreshold: 1e9 });
  // Odd (the middle of an instruction), negative, beyond the page, not integers: only 8 stays.
  const machine = run({ hotThreshold: 1e9, profile: new Map([[digest, [1, 9, -2, 4096, 5000, 2.5, 8]]]) });
  assert.equal(machine.jit!.stats.profileHits, 1);
  assert.deepEqual(registers(machine), registers(cold));
  assert.equal(machine.harts[0].pc, cold.harts[0].pc);
});
