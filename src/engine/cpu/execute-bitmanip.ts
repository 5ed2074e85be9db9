// Zba, Zbb, Zbs (bit-manipulation 1.0.0) and Zicond (1.0). Rare enough in compiled rv64gc code to
// live outside the interpreter's inline set.

import type { Hart } from './hart.js';
import { Op } from './opcodes.js';
import { writeWord } from './int64.js';

const U32 = 0xffffffffn;

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function ctz32(v: number): number {
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

function byteSwap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** OR-combine: each byte becomes 0xff if any of its bits is set. */
function orcBytes32(v: number): number {
  let r = 0;
  for (let i = 0; i < 32; i += 8) if (((v >>> i) & 0xff) !== 0) r |= 0xff << i;
  return r;
}

function rotateLeft64(v: bigint, s: number): bigint {
  const u = BigInt.asUintN(64, v);
  const k = BigInt(s & 63);
  return BigInt.asIntN(64, (u << k) | (u >> ((64n - k) & 63n)));
}

function rotateRight32(v: number, s: number): number {
  s &= 31;
  return s === 0 ? v : (v >>> s) | (v << (32 - s));
}

/** Execute a Zba/Zbb/Zbs/Zicond instruction; false if `op` is not one of them. */
export function executeBitmanip(h: Hart, op: Op, rd: number, rs1: number, rs2: number, imm: number): boolean {
  const x = h.regs.x;
  const w = h.regs.w;
  const a = x[rs1];
  const b = x[rs2];
  switch (op) {
    case Op.ADD_UW:
      x[rd] = BigInt.asIntN(64, (a & U32) + b);
      return true;
    case Op.SH1ADD:
    case Op.SH2ADD:
    case Op.SH3ADD:
      x[rd] = BigInt.asIntN(64, (a << BigInt(op - Op.SH1ADD + 1)) + b);
      return true;
    case Op.SH1ADD_UW:
    case Op.SH2ADD_UW:
    case Op.SH3ADD_UW:
      x[rd] = BigInt.asIntN(64, ((a & U32) << BigInt(op - Op.SH1ADD_UW + 1)) + b);
      return true;
    case Op.SLLI_UW:
      x[rd] = BigInt.asIntN(64, (a & U32) << BigInt(imm));
      return true;
    case Op.ANDN:
      x[rd] = a & ~b;
      return true;
    case Op.ORN:
      x[rd] = a | ~b;
      return true;
    case Op.XNOR:
      x[rd] = ~(a ^ b);
      return true;
    case Op.CLZ: {
      const hi = w[2 * rs1 + 1];
      writeWord(w, rd, hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(w[2 * rs1]));
      return true;
    }
    case Op.CLZW:
      writeWord(w, rd, Math.clz32(w[2 * rs1]));
      return true;
    case Op.CTZ: {
      const lo = w[2 * rs1];
      writeWord(w, rd, lo !== 0 ? ctz32(lo) : 32 + ctz32(w[2 * rs1 + 1]));
      return true;
    }
    case Op.CTZW:
      writeWord(w, rd, ctz32(w[2 * rs1]));
      return true;
    case Op.CPOP:
      writeWord(w, rd, popcount32(w[2 * rs1]) + popcount32(w[2 * rs1 + 1]));
      return true;
    case Op.CPOPW:
      writeWord(w, rd, popcount32(w[2 * rs1]));
      return true;
    case Op.MAX:
      x[rd] = a > b ? a : b;
      return true;
    case Op.MIN:
      x[rd] = a < b ? a : b;
      return true;
    case Op.MAXU:
      x[rd] = BigInt.asUintN(64, a) > BigInt.asUintN(64, b) ? a : b;
      return true;
    case Op.MINU:
      x[rd] = BigInt.asUintN(64, a) < BigInt.asUintN(64, b) ? a : b;
      return true;
    case Op.SEXT_B:
      x[rd] = BigInt.asIntN(8, a);
      return true;
    case Op.SEXT_H:
      x[rd] = BigInt.asIntN(16, a);
      return true;
    case Op.ZEXT_H:
      x[rd] = a & 0xffffn;
      return true;
    case Op.ROL:
      x[rd] = rotateLeft64(a, w[2 * rs2]);
      return true;
    case Op.ROR:
      x[rd] = rotateLeft64(a, 64 - (w[2 * rs2] & 63));
      return true;
    case Op.RORI:
      x[rd] = rotateLeft64(a, 64 - imm);
      return true;
    case Op.ROLW:
      writeWord(w, rd, rotateRight32(w[2 * rs1], 32 - (w[2 * rs2] & 31)));
      return true;
    case Op.RORW:
      writeWord(w, rd, rotateRight32(w[2 * rs1], w[2 * rs2]));
      return true;
    case Op.RORIW:
      writeWord(w, rd, rotateRight32(w[2 * rs1], imm));
      return true;
    case Op.ORC_B: {
      const lo = orcBytes32(w[2 * rs1]);
      const hi = orcBytes32(w[2 * rs1 + 1]);
      w[2 * rd] = lo;
      w[2 * rd + 1] = hi;
      return true;
    }
    case Op.REV8: {
      const lo = w[2 * rs1];
      const hi = w[2 * rs1 + 1];
      w[2 * rd] = byteSwap32(hi);
      w[2 * rd + 1] = byteSwap32(lo);
      return true;
    }
    case Op.BCLR:
      x[rd] = a & ~(1n << BigInt(w[2 * rs2] & 63));
      return true;
    case Op.BCLRI:
      x[rd] = a & ~(1n << BigInt(imm));
      return true;
    case Op.BSET:
      x[rd] = BigInt.asIntN(64, a | (1n << BigInt(w[2 * rs2] & 63)));
      return true;
    case Op.BSETI:
      x[rd] = BigInt.asIntN(64, a | (1n << BigInt(imm)));
      return true;
    case Op.BINV:
      x[rd] = BigInt.asIntN(64, a ^ (1n << BigInt(w[2 * rs2] & 63)));
      return true;
    case Op.BINVI:
      x[rd] = BigInt.asIntN(64, a ^ (1n << BigInt(imm)));
      return true;
    case Op.BEXT:
      x[rd] = (a >> BigInt(w[2 * rs2] & 63)) & 1n;
      return true;
    case Op.BEXTI:
      x[rd] = (a >> BigInt(imm)) & 1n;
      return true;
    case Op.CZERO_EQZ:
      x[rd] = b === 0n ? 0n : a;
      return true;
    case Op.CZERO_NEZ:
      x[rd] = b !== 0n ? 0n : a;
      return true;
    default:
      return false;
  }
}
