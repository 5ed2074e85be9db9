// The exact fallback for arithmetic and float-to-float conversion: reads raw operand bits from the
// register file (applying NaN-boxing to single operands), runs the BigInt soft-float operation,
// and writes the result bits. FloatUnit calls it whenever a fast path declines.

import { FloatRegisterFile } from '../registers.js';
import { FpOp } from './fp-ops.js';
import { softAdd, softDiv, softFma, softMul, softSqrt } from './soft-arith.js';
import { softConvert } from './soft-convert.js';
import { CLS_QNAN, CLS_SNAN, F32, F64, FlagSink, FloatFormat, Unpacked, unpack } from './soft-format.js';

/**
 * Raw bits of f[r] in format fmt. A single operand whose upper 32 bits are not all ones is not
 * a valid NaN-boxed value and reads as the canonical NaN (spec 21.2).
 */
export function readBits(regs: FloatRegisterFile, r: number, fmt: FloatFormat): bigint {
  if (fmt === F64) return BigInt.asUintN(64, regs.bits[r]);
  return regs.i32[2 * r + 1] === -1 ? BigInt(regs.u32[2 * r]) : F32.canonicalNaN;
}

/** Writes result bits in format fmt to f[rd], NaN-boxing singles. */
export function writeBits(regs: FloatRegisterFile, rd: number, fmt: FloatFormat, bits: bigint): void {
  if (fmt === F64) {
    regs.bits[rd] = BigInt.asIntN(64, bits);
  } else {
    regs.u32[2 * rd] = Number(bits);
    regs.i32[2 * rd + 1] = -1;
  }
}

function operand(regs: FloatRegisterFile, r: number, fmt: FloatFormat): Unpacked {
  return unpack(fmt, readBits(regs, r, fmt));
}

/** Negation of an operand's sign, leaving NaNs alone (their sign never reaches a result). */
function neg(u: Unpacked): Unpacked {
  return u.cls === CLS_QNAN || u.cls === CLS_SNAN ? u : { ...u, sign: u.sign ^ 1 };
}

/**
 * Executes op exactly. op is one of the arithmetic operations (add, sub, mul, div, sqrt, the four
 * fused multiply-adds) or fcvt.s.d / fcvt.d.s; rm is already resolved (0..4).
 */
export function slowArith(
  regs: FloatRegisterFile,
  op: FpOp,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
  sink: FlagSink,
): void {
  let fmt: FloatFormat = F32;
  switch (op) {
    case FpOp.FADD_D:
    case FpOp.FSUB_D:
    case FpOp.FMUL_D:
    case FpOp.FDIV_D:
    case FpOp.FSQRT_D:
    case FpOp.FMADD_D:
    case FpOp.FMSUB_D:
    case FpOp.FNMSUB_D:
    case FpOp.FNMADD_D:
    case FpOp.FCVT_D_S:
      fmt = F64;
  }
  let bits: bigint;
  switch (op) {
    case FpOp.FADD_S:
    case FpOp.FADD_D:
      bits = softAdd(fmt, operand(regs, rs1, fmt), operand(regs, rs2, fmt), rm, sink);
      break;
    case FpOp.FSUB_S:
    case FpOp.FSUB_D:
      bits = softAdd(fmt, operand(regs, rs1, fmt), neg(operand(regs, rs2, fmt)), rm, sink);
      break;
    case FpOp.FMUL_S:
    case FpOp.FMUL_D:
      bits = softMul(fmt, operand(regs, rs1, fmt), operand(regs, rs2, fmt), rm, sink);
      break;
    case FpOp.FDIV_S:
    case FpOp.FDIV_D:
      bits = softDiv(fmt, operand(regs, rs1, fmt), operand(regs, rs2, fmt), rm, sink);
      break;
    case FpOp.FSQRT_S:
    case FpOp.FSQRT_D:
      bits = softSqrt(fmt, operand(regs, rs1, fmt), rm, sink);
      break;
    case FpOp.FMADD_S:
    case FpOp.FMADD_D:
    case FpOp.FMSUB_S:
    case FpOp.FMSUB_D:
    case FpOp.FNMSUB_S:
    case FpOp.FNMSUB_D:
    case FpOp.FNMADD_S:
    case FpOp.FNMADD_D: {
      // fmsub: a*b - c; fnmsub: -(a*b) + c; fnmadd: -(a*b) - c (spec 20.6).
      const negProd =
        op === FpOp.FNMSUB_S || op === FpOp.FNMSUB_D || op === FpOp.FNMADD_S || op === FpOp.FNMADD_D;
      const negC = op === FpOp.FMSUB_S || op === FpOp.FMSUB_D || op === FpOp.FNMADD_S || op === FpOp.FNMADD_D;
      const a = operand(regs, rs1, fmt);
      const b = operand(regs, rs2, fmt);
      const c = operand(regs, rs3, fmt);
      bits = softFma(fmt, a, b, c, negProd, negC, rm, sink);
      break;
    }
    case FpOp.FCVT_S_D:
      bits = softConvert(F32, operand(regs, rs1, F64), rm, sink);
      break;
    case FpOp.FCVT_D_S:
      bits = softConvert(F64, operand(regs, rs1, F32), rm, sink);
      break;
    default:
      throw new Error(`slowArith: unexpected op ${op}`);
  }
  writeBits(regs, rd, fmt, bits);
}
