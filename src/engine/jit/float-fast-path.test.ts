// The JIT's native double-precision paths (translate.ts emitNativeFloat: FADD/FSUB/FMUL, FDIV,
// FSQRT, the four fused multiply-adds, whose exact rounding and inexact flag come from error
// terms rather than from a hardware FMA, and conversions from integers) against the interpreter's float unit, which is the
// reference. A hand-encoded loop runs every operation on thousands of operand triples, reading
// and clearing fflags after each, and stores results and flags; both tiers must write the same
// bytes, and the JIT must have run the loop as translated code.
//
// The operands are chosen to reach both the fast paths and their edges: random significands
// over a wide exponent range, exact cases (small integers, perfect squares, exact quotients),
// cancellation (c = -round(a*b), so a*b + c is the tiny product error), near-ties of the fused
// operations (a*b just under half an ulp of c), zeros, signed values, tiny and huge magnitudes, infinities and NaNs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { encI, encR, encR4, encS } from '../cpu/encode.js';
import { CSR_FFLAGS, CSR_FRM, CSR_MSTATUS } from '../cpu/csr-numbers.js';
import { addi, auipc, beq, bne, csr, ld, lui, sd } from './test-asm.js';

const T0 = 5;
const T1 = 6;
const T2 = 7;
const A0 = 10;
const A1 = 11;
const A2 = 12;

const fld = (rd: number, rs1: number, imm: number) => encI(0x07, 3, rd, rs1, imm);
const fsd = (rs2: number, rs1: number, imm: number) => encS(0x27, 3, rs1, rs2, imm);
const srai = (rd: number, rs1: number, shamt: number) => encI(0x13, 5, rd, rs1, 0x400 | shamt);
/** D-extension OP-FP: funct7 selects the operation; rm 7 = dynamic (frm). */
const opD = (funct7: number, rd: number, rs1: number, rs2: number, rm = 7) =>
  encR(0x53, rm, funct7, rd, rs1, rs2);
/** fmadd.d / fmsub.d / fnmsub.d / fnmadd.d (opcodes 0x43, 0x47, 0x4b, 0x4f). */
const fma = (opcode: number, rd: number, rs1: number, rs2: number, rs3: number, rm = 7) =>
  encR4(opcode, 1, rm, rd, rs1, rs2, rs3);

/** The operations under test, each writing f4 from f1, f2, f3. */
const OPERATIONS: number[] = [
  opD(0x01, 4, 1, 2), // fadd.d
  opD(0x05, 4, 1, 2), // fsub.d
  opD(0x09, 4, 1, 2), // fmul.d
  opD(0x0d, 4, 1, 2), // fdiv.d
  opD(0x2d, 4, 1, 0), // fsqrt.d f4, f1
  opD(0x2d, 4, 3, 0, 0), // fsqrt.d f4, f3, rne (static rounding mode)
  fma(0x43, 4, 1, 2, 3), // fmadd.d
  fma(0x47, 4, 1, 2, 3), // fmsub.d
  fma(0x4b, 4, 1, 2, 3), // fnmsub.d
  fma(0x4f, 4, 1, 2, 3), // fnmadd.d
  fma(0x43, 4, 1, 2, 3, 0), // fmadd.d, rne
  fma(0x43, 4, 1, 2, 3, 1), // fmadd.d, rtz: never the fast path
  // Conversions from integers: t1 = c's bits >> 12 (below 2^52 in magnitude), t2 = a's bits.
  opD(0x69, 4, T1, 0), // fcvt.d.w
  opD(0x69, 4, T1, 1), // fcvt.d.wu
  opD(0x69, 4, T1, 2), // fcvt.d.l
  opD(0x69, 4, T1, 3), // fcvt.d.lu
  opD(0x69, 4, T2, 2), // fcvt.d.l of a large value
  opD(0x69, 4, T2, 3), // fcvt.d.lu of a large value
];
const OUT_BYTES = 32 * OPERATIONS.length;
const NOPS = Array.from({ length: 12 }, () => 0).map(() => addi(0, 0, 0));

/**
 * The program at RAM_BASE: FS on, then for each triple at a0 (a, b, c) and each operation: load,
 * operate, store the result and the flags it raised (read and cleared) at a1. a2 counts down.
 */
function program(triples: number): Uint32Array {
  const words: number[] = [];
  words.push(lui(T0, 0x6)); // t0 = 0x6000: mstatus.FS = Dirty
  words.push(csr(2, 0, T0, CSR_MSTATUS));
  words.push(csr(1, 0, 0, CSR_FRM)); // frm = RNE
  // a0 = RAM_BASE + 0x10000 (inputs), a1 = RAM_BASE + 0x100000 (outputs), pc-relative
  words.push(auipc(A0, 0x10), addi(A0, A0, -4 * words.length));
  words.push(auipc(A1, 0x100), addi(A1, A1, -4 * words.length));
  words.push(addi(A2, 0, 0)); // counter, set below
  const counterAt = words.length - 1;
  const loop = words.length;
  words.push(fld(1, A0, 0), fld(2, A0, 8), fld(3, A0, 16));
  words.push(ld(T1, A0, 16), srai(T1, T1, 12), ld(T2, A0, 0));
  // Each operation runs twice: with fflags clear, then with NX already set (the fast paths
  // skip the exactness test then). csrrwi reads the flags raised and sets up the next run.
  OPERATIONS.forEach((op, k) => {
    words.push(op, csr(5, T0, 1, CSR_FFLAGS));
    words.push(fsd(4, A1, 32 * k), sd(T0, A1, 32 * k + 8));
    words.push(op, csr(5, T0, 0, CSR_FFLAGS));
    words.push(fsd(4, A1, 32 * k + 16), sd(T0, A1, 32 * k + 24));
    // The CSR access leaves translated code; enough work between exits keeps the page
    // translated (jit.ts gives up pages averaging only a few instructions per exit).
    words.push(...NOPS);
  });
  words.push(addi(A0, A0, 24), addi(A1, A1, OUT_BYTES), addi(A2, A2, -1));
  words.push(bne(A2, 0, 4 * (loop - words.length)));
  words.push(beq(0, 0, 0)); // spin when done
  words[counterAt] = addi(A2, 0, triples);
  return Uint32Array.from(words);
}

/** Deterministic operand triples. */
function triples(count: number): Float64Array {
  let seed = 0x9e3779b97f4a7c15n;
  const next = (): bigint => {
    seed ^= seed << 13n;
    seed &= (1n << 64n) - 1n;
    seed ^= seed >> 7n;
    seed ^= seed << 17n;
    seed &= (1n << 64n) - 1n;
    return seed;
  };
  const bits = new BigUint64Array(1);
  const asDouble = new Float64Array(bits.buffer);
  /** A random double with exponent in [lo, hi) and a random sign. */
  const random = (lo: number, hi: number): number => {
    const r = next();
    const exponent = BigInt(1023 + lo + Number(r % BigInt(hi - lo)));
    bits[0] = ((r >> 11n) & ((1n << 52n) - 1n)) | (exponent << 52n) | ((r >> 63n) << 63n);
    return asDouble[0];
  };
  const ulp = (x: number): number => {
    asDouble[0] = Math.abs(x);
    bits[0] += 1n;
    return asDouble[0] - Math.abs(x);
  };
  const special = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    2 ** -1074,
    2 ** -1022,
    1.7976931348623157e308,
    2 ** 1000,
  ];
  const out = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    let a = random(-30, 30);
    let b = random(-30, 30);
    let c = random(-40, 40);
    switch (i % 10) {
      case 0: // small integers: exact products, sums, quotients
        a = Number(next() % 2000n) - 1000;
        b = Number(next() % 64n) + 1;
        c = Number(next() % 4000n) - 2000;
        break;
      case 1: // a perfect square in c, an exact quotient a / b
        c = (Number(next() % 100000n) + 1) ** 2;
        a = b * (Number(next() % 1000n) + 1);
        break;
      case 2: // cancellation: a*b + c is the product's rounding error
        c = -(a * b);
        break;
      case 3: {
        // Near-ties for the fused operations: with x = 1 + k 2^-27 and y = 1 - k 2^-27 + j 2^-53,
        // j = k^2 / 2 (k even), x*y = 1 + (k^3 / 2) 2^-80, which rounds to 1. With h half an ulp
        // of c, a*b = h x y lies a hair off h: a*b + c is a hair off a tie of c's precision, and
        // rounding a*b first would make it an exact tie, broken the wrong way half the time.
        c = random(-5, 5);
        const k = (Number(next() % 256n) + 1) * 2 * (next() & 1n ? 1 : -1);
        a = (next() & 1n ? 0.5 : -0.5) * ulp(c) * (1 + k * 2 ** -27);
        b = 1 - k * 2 ** -27 + ((k * k) / 2) * 2 ** -53;
        break;
      }
      case 7: {
        // The same below a power of two, whose lower neighbour is half an ulp away: the tie
        // there is a quarter ulp below c.
        c = (next() & 1n ? 1 : -1) * 2 ** (Number(next() % 20n) - 10);
        const k = (Number(next() % 256n) + 1) * 2 * (next() & 1n ? 1 : -1);
        a = -0.25 * ulp(c) * Math.sign(c) * (1 + k * 2 ** -27);
        b = 1 - k * 2 ** -27 + ((k * k) / 2) * 2 ** -53;
        break;
      }
      case 4: // c much larger or much smaller than the product
        c = next() & 1n ? random(60, 100) : random(-200, -100);
        break;
      case 5: // tiny and huge magnitudes (the fast paths' bounds)
        a = random(-1000, -900);
        b = next() & 1n ? random(-100, 100) : random(900, 1000);
        c = random(-1022, 1000);
        break;
      case 6: // special values anywhere
        a = special[Number(next() % BigInt(special.length))];
        c = special[Number(next() % BigInt(special.length))];
        break;
      default:
        break;
    }
    out.set([a, b, c], 3 * i);
  }
  return out;
}

function run(jit: boolean, count: number): { out: Uint8Array; jitInstructions: number } {
  const machine = new Machine({ memoryBytes: 1 << 22, jit, jitOptions: { hotThreshold: 10 } });
  const code = program(count);
  machine.ram.u8.set(new Uint8Array(code.buffer), 0);
  machine.ram.u8.set(new Uint8Array(triples(count).buffer), 0x10000);
  machine.harts[0].reset(RAM_BASE);
  const perTriple = 11 + (8 + NOPS.length) * OPERATIONS.length;
  machine.run(perTriple * count + 1000);
  return {
    out: machine.ram.u8.slice(0x100000, 0x100000 + OUT_BYTES * count),
    jitInstructions: machine.jit?.stats.instructions ?? 0,
  };
}

test('native FADD/FSUB/FMUL/FDIV/FSQRT/FMA/FCVT.D match the interpreter in results and flags', () => {
  const count = 4000;
  const reference = run(false, count);
  const fast = run(true, count);
  assert.ok(fast.jitInstructions > count * 20, `translated code ran (${fast.jitInstructions} instructions)`);
  const view = (u: Uint8Array) => new BigUint64Array(u.buffer, u.byteOffset, u.length / 8);
  const want = view(reference.out);
  const got = view(fast.out);
  const inputs = triples(count);
  for (let i = 0; i < want.length; i++) {
    if (want[i] === got[i]) continue;
    const triple = Math.floor(i / (4 * OPERATIONS.length));
    const op = Math.floor(i / 4) % OPERATIONS.length;
    const what = `${i % 2 === 0 ? 'result' : 'fflags'} (NX ${i % 4 < 2 ? 'clear' : 'set'} before)`;
    assert.fail(
      `triple ${triple} (${inputs[3 * triple]}, ${inputs[3 * triple + 1]}, ${inputs[3 * triple + 2]}), ` +
        `operation ${op} (0x${OPERATIONS[op].toString(16)}): ${what} interpreter 0x${want[i].toString(16)}, ` +
        `jit 0x${got[i].toString(16)}`,
    );
  }
});
