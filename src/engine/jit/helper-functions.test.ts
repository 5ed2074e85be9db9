// A page module declares only the helper functions its code calls (translate.ts, HelperSet):
// V8 decodes and validates every declared function, called or not. The high multiplies are
// inline (translate.ts, emitMulHigh) and need none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encR } from '../cpu/encode.js';
import { addi, beq, bne, machineWith } from './test-asm.js';
import { DEFAULT_LIMITS, translatePageCopy } from './translate.js';

const [T0, A0, A1, A2, A3, A4, A5, A6] = [5, 10, 11, 12, 13, 14, 15, 16];
const mulh = (rd: number, rs1: number, rs2: number): number => encR(0x33, 1, 1, rd, rs1, rs2);
const mulhsu = (rd: number, rs1: number, rs2: number): number => encR(0x33, 2, 1, rd, rs1, rs2);
const mulhu = (rd: number, rs1: number, rs2: number): number => encR(0x33, 3, 1, rd, rs1, rs2);
const rem = (rd: number, rs1: number, rs2: number): number => encR(0x33, 6, 1, rd, rs1, rs2);
const div = (rd: number, rs1: number, rs2: number): number => encR(0x33, 4, 1, rd, rs1, rs2);
const spin = beq(0, 0, 0);

/** The number of functions a module defines (its function section), imports not counted. */
function definedFunctions(bytes: Uint8Array): number {
  let at = 8;
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === 3) return leb();
    at += size;
  }
  return 0;
}

function functionsFor(words: number[]): number {
  const page = new Uint8Array(4096);
  page.set(new Uint8Array(Uint32Array.from(words).buffer));
  const result = translatePageCopy(page, [0], DEFAULT_LIMITS, false);
  new WebAssembly.Module(result.bytes); // valid
  return definedFunctions(result.bytes);
}

test('a page module declares the helpers its code calls, and no others', () => {
  assert.equal(functionsFor([addi(A0, 0, 1), spin]), 1, 'the page function alone');
  assert.equal(functionsFor([div(A0, A1, A2), spin]), 2, 'div');
  assert.equal(
    functionsFor([mulh(A0, A1, A2), mulhu(A3, A1, A2), spin]),
    1,
    'the high multiplies are inline',
  );
  assert.equal(functionsFor([div(A3, A1, A2), mulhsu(A0, A1, A2), rem(A4, A1, A2), spin]), 3);
});

test('helpers numbered in the order first used compute what the interpreter does', () => {
  // rem first, so div is not the first helper; the inline high multiplies in between, with a
  // negative operand. A loop, so that most turns run translated.
  const words = [
    addi(A1, 0, -7),
    addi(A2, 0, 3),
    addi(T0, 0, 500),
    rem(A6, A1, A2),
    div(A3, A1, A2),
    mulhsu(A0, A1, A2),
    mulh(A4, A1, A2),
    div(A5, A2, 0),
    mulhu(A6, A1, A1),
    addi(T0, T0, -1),
    bne(T0, 0, -28),
    spin,
  ];
  const code = Uint32Array.from(words);
  const results = [false, true].map((jit) => {
    const machine = machineWith(code, { jit, jitOptions: { hotThreshold: 1 } });
    machine.run(5000);
    if (jit) assert.ok(machine.jit!.stats.instructions > 1000, 'the loop ran translated');
    return [A0, A3, A4, A5, A6].map((r) => machine.harts[0].regs.x[r]);
  });
  assert.deepEqual(results[1], results[0]);
  // mulhu of 2^64 - 7 squared: 2^128 - 14 * 2^64 + 49, high half 2^64 - 14.
  assert.deepEqual(results[0], [-1n, -2n, -1n, -1n, -14n]);
});
