// Which offsets a page is translated from (jit.ts, noteEntry): a block starts at every entry, so
// only places control arrived at count. A hot loop run by the interpreter in short bursts stops
// at arbitrary instructions; were those entries, the loop would be cut into one-instruction
// blocks, each with its own budget check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encR } from '../cpu/encode.js';
import { addi, bne, beq, machineWith } from './test-asm.js';

const [A0, A1, A2] = [10, 11, 12];
const add = (rd: number, rs1: number, rs2: number): number => encR(0x33, 0, 0, rd, rs1, rs2);
const xori = (rd: number, rs1: number, imm: number): number => addi(rd, rs1, imm) | (4 << 12);

const ROUNDS = 3000;
const BODY = 11;

/** a0 = 0; a2 = ROUNDS; loop: BODY instructions, a2 -= 1, bne a2, loop; then spin. */
function program(): Uint32Array {
  const w: number[] = [addi(A0, 0, 0), addi(A2, 0, ROUNDS)];
  const loop = w.length;
  for (let k = 0; k < BODY; k++) w.push(k % 2 === 0 ? addi(A0, A0, k + 1) : add(A1, A1, A0), xori(A1, A1, k));
  w.push(addi(A2, A2, -1), bne(A2, 0, 4 * (loop - w.length)));
  w.push(beq(0, 0, 0));
  return Uint32Array.from(w);
}

function expected(): { a0: number; a1: number } {
  const machine = machineWith(program(), { jit: false });
  machine.run(ROUNDS * (2 * BODY + 2) + 100);
  const x = machine.harts[0].regs.x;
  return { a0: Number(x[A0]), a1: Number(x[A1]) };
}

test('a loop heated by short interpreted bursts is translated from where control arrived only', () => {
  // Bursts of 7 instructions end at every offset of the 24-instruction loop in turn.
  const machine = machineWith(program(), { jit: true, jitOptions: { hotThreshold: 2000, burst: 7 } });
  machine.run(ROUNDS * (2 * BODY + 2) + 100);
  const jit = machine.jit!;
  assert.ok(jit.stats.translations >= 1, 'the loop was translated');
  assert.ok(jit.stats.instructions > ROUNDS * 10, 'and ran translated');
  const entries = jit.entriesOf(0) ?? [];
  // Nothing arrives at this page from elsewhere (the loop's branch back is taken inside the
  // bursts): each translation falls back to the one offset in hand when it was made. So at most
  // one entry per translation, where every burst's end would be ~20.
  assert.ok(
    entries.length <= jit.stats.translations,
    `${entries.length} entries (${entries.join(' ')}) for ${jit.stats.translations} translations`,
  );
  const x = machine.harts[0].regs.x;
  const want = expected();
  assert.equal(Number(x[A0]), want.a0);
  assert.equal(Number(x[A1]), want.a1);
});
