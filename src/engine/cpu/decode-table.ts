// The instruction table: one row per instruction with its mask/match pattern, operand format and
// extension. The decoder, the disassembler and (later) the JIT all read this one table
// (STYLE.md rule 5). Encodings: RISC-V unprivileged spec chapter 37 "RV32/64G Instruction Set
// Listings", the Zba/Zbb/Zbs (bitmanip 1.0), Zicond and Zicbo* specifications.

import { Op } from './opcodes.js';
import { FpOp } from './fpu/fp-ops.js';

export const enum Format {
  /** rd, rs1, rs2 */
  R,
  /** rd, rs1, imm[11:0] */
  I,
  /** rs1, rs2, imm[11:5|4:0] */
  S,
  /** rs1, rs2, branch offset */
  B,
  /** rd, imm[31:12] << 12 */
  U,
  /** rd, jump offset */
  J,
  /** rd, rs1, 6-bit shift amount */
  SHIFT64,
  /** rd, rs1, 5-bit shift amount */
  SHIFT32,
  /** rd, rs1, csr number in imm */
  CSR,
  /** rd, 5-bit immediate in rs1, csr number in imm */
  CSRI,
  /** no operands (ecall, mret, ...) */
  NONE,
  /** rs1 (address), rs2 (asid) */
  SFENCE,
  /** rd, rs1 (address), rs2: LR/SC/AMO */
  AMO,
  /** FP computation: rd, rs1, rs2, rounding mode in rm */
  FP_R,
  /** fused multiply-add: rd, rs1, rs2, rs3, rm */
  FP_R4,
  /** FP load: FP rd, rs1, imm */
  FP_LOAD,
  /** FP store: rs1, FP rs2, imm */
  FP_STORE,
  /** cache-block operation: rs1 */
  CBO,
  /** fence: no operands used */
  FENCE,
}

export interface InstructionPattern {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly format: Format;
  readonly ext: string;
  readonly op: Op;
  /** For Op.FP: which floating-point operation. */
  readonly fpOp?: FpOp;
}

const R_MASK = 0xfe00707f;
const I_MASK = 0x0000707f;
const SHIFT64_MASK = 0xfc00707f;
const UNARY_MASK = 0xfff0707f; // R-type with rs2 fixed (clz, sext.b, ...)

function row(
  name: string,
  mask: number,
  match: number,
  format: Format,
  ext: string,
  op: Op,
): InstructionPattern {
  // fpOp present (undefined) as in the FP rows: every row then has one hidden class, and the
  // decoder's lookups stay monomorphic (with two, V8's optimized decoder deoptimized whenever the
  // other kind first came along: "wrong map").
  return { name, mask: mask | 0, match: match | 0, format, ext, op, fpOp: undefined };
}

/** OP-FP (0x53) rows: funct7 and optionally fixed rs2 / funct3. */
function fp(name: string, funct7: number, fpOp: FpOp, rs2?: number, funct3?: number): InstructionPattern {
  let mask = 0xfe00007f;
  let match = (funct7 << 25) | 0x53;
  if (rs2 !== undefined) {
    mask |= 0x01f00000;
    match |= rs2 << 20;
  }
  if (funct3 !== undefined) {
    mask |= 0x7000;
    match |= funct3 << 12;
  }
  const ext = name.endsWith('.d') || name.includes('.d.') ? 'D' : 'F';
  return { name, mask: mask | 0, match: match | 0, format: Format.FP_R, ext, op: Op.FP, fpOp };
}

function fused(name: string, opcode: number, fmt: number, fpOp: FpOp): InstructionPattern {
  return {
    name,
    mask: 0x0600007f,
    match: (fmt << 25) | opcode,
    format: Format.FP_R4,
    ext: fmt === 0 ? 'F' : 'D',
    op: Op.FP,
    fpOp,
  };
}

function amo(name: string, funct5: number, width: number, op: Op): InstructionPattern {
  const isLr = name.startsWith('lr.');
  return row(
    name,
    isLr ? 0xf9f0707f : 0xf800707f,
    (funct5 << 27) | (width << 12) | 0x2f,
    Format.AMO,
    'A',
    op,
  );
}

function cbo(name: string, imm: number, op: Op, ext: string): InstructionPattern {
  return row(name, 0xfff07fff, (imm << 20) | (2 << 12) | 0x0f, Format.CBO, ext, op);
}

export const INSTRUCTIONS: readonly InstructionPattern[] = [
  // RV64I
  row('lui', 0x7f, 0x37, Format.U, 'I', Op.LUI),
  row('auipc', 0x7f, 0x17, Format.U, 'I', Op.AUIPC),
  row('jal', 0x7f, 0x6f, Format.J, 'I', Op.JAL),
  row('jalr', I_MASK, 0x67, Format.I, 'I', Op.JALR),
  row('beq', I_MASK, 0x0063, Format.B, 'I', Op.BEQ),
  row('bne', I_MASK, 0x1063, Format.B, 'I', Op.BNE),
  row('blt', I_MASK, 0x4063, Format.B, 'I', Op.BLT),
  row('bge', I_MASK, 0x5063, Format.B, 'I', Op.BGE),
  row('bltu', I_MASK, 0x6063, Format.B, 'I', Op.BLTU),
  row('bgeu', I_MASK, 0x7063, Format.B, 'I', Op.BGEU),
  row('lb', I_MASK, 0x0003, Format.I, 'I', Op.LB),
  row('lh', I_MASK, 0x1003, Format.I, 'I', Op.LH),
  row('lw', I_MASK, 0x2003, Format.I, 'I', Op.LW),
  row('ld', I_MASK, 0x3003, Format.I, 'I', Op.LD),
  row('lbu', I_MASK, 0x4003, Format.I, 'I', Op.LBU),
  row('lhu', I_MASK, 0x5003, Format.I, 'I', Op.LHU),
  row('lwu', I_MASK, 0x6003, Format.I, 'I', Op.LWU),
  row('sb', I_MASK, 0x0023, Format.S, 'I', Op.SB),
  row('sh', I_MASK, 0x1023, Format.S, 'I', Op.SH),
  row('sw', I_MASK, 0x2023, Format.S, 'I', Op.SW),
  row('sd', I_MASK, 0x3023, Format.S, 'I', Op.SD),
  row('addi', I_MASK, 0x0013, Format.I, 'I', Op.ADDI),
  row('slti', I_MASK, 0x2013, Format.I, 'I', Op.SLTI),
  row('sltiu', I_MASK, 0x3013, Format.I, 'I', Op.SLTIU),
  row('xori', I_MASK, 0x4013, Format.I, 'I', Op.XORI),
  row('ori', I_MASK, 0x6013, Format.I, 'I', Op.ORI),
  row('andi', I_MASK, 0x7013, Format.I, 'I', Op.ANDI),
  row('slli', SHIFT64_MASK, 0x1013, Format.SHIFT64, 'I', Op.SLLI),
  row('srli', SHIFT64_MASK, 0x5013, Format.SHIFT64, 'I', Op.SRLI),
  row('srai', SHIFT64_MASK, 0x40005013, Format.SHIFT64, 'I', Op.SRAI),
  row('add', R_MASK, 0x0033, Format.R, 'I', Op.ADD),
  row('sub', R_MASK, 0x40000033, Format.R, 'I', Op.SUB),
  row('sll', R_MASK, 0x1033, Format.R, 'I', Op.SLL),
  row('slt', R_MASK, 0x2033, Format.R, 'I', Op.SLT),
  row('sltu', R_MASK, 0x3033, Format.R, 'I', Op.SLTU),
  row('xor', R_MASK, 0x4033, Format.R, 'I', Op.XOR),
  row('srl', R_MASK, 0x5033, Format.R, 'I', Op.SRL),
  row('sra', R_MASK, 0x40005033, Format.R, 'I', Op.SRA),
  row('or', R_MASK, 0x6033, Format.R, 'I', Op.OR),
  row('and', R_MASK, 0x7033, Format.R, 'I', Op.AND),
  row('addiw', I_MASK, 0x001b, Format.I, 'I', Op.ADDIW),
  row('slliw', R_MASK, 0x101b, Format.SHIFT32, 'I', Op.SLLIW),
  row('srliw', R_MASK, 0x501b, Format.SHIFT32, 'I', Op.SRLIW),
  row('sraiw', R_MASK, 0x4000501b, Format.SHIFT32, 'I', Op.SRAIW),
  row('addw', R_MASK, 0x003b, Format.R, 'I', Op.ADDW),
  row('subw', R_MASK, 0x4000003b, Format.R, 'I', Op.SUBW),
  row('sllw', R_MASK, 0x103b, Format.R, 'I', Op.SLLW),
  row('srlw', R_MASK, 0x503b, Format.R, 'I', Op.SRLW),
  row('sraw', R_MASK, 0x4000503b, Format.R, 'I', Op.SRAW),
  // cbo.* share MISC-MEM funct3=2 with nothing else; fence.i is funct3=1; fence (incl. fence.tso,
  // pause) is funct3=0 — the spec requires unused fence fields to be ignored.
  cbo('cbo.inval', 0, Op.CBO_INVAL, 'Zicbom'),
  cbo('cbo.clean', 1, Op.CBO_CLEAN, 'Zicbom'),
  cbo('cbo.flush', 2, Op.CBO_FLUSH, 'Zicbom'),
  cbo('cbo.zero', 4, Op.CBO_ZERO, 'Zicboz'),
  row('fence', I_MASK, 0x000f, Format.FENCE, 'I', Op.FENCE),
  row('fence.i', I_MASK, 0x100f, Format.FENCE, 'Zifencei', Op.FENCE_I),
  row('ecall', 0xffffffff, 0x00000073, Format.NONE, 'I', Op.ECALL),
  row('ebreak', 0xffffffff, 0x00100073, Format.NONE, 'I', Op.EBREAK),
  // Privileged
  row('sret', 0xffffffff, 0x10200073, Format.NONE, 'S', Op.SRET),
  row('mret', 0xffffffff, 0x30200073, Format.NONE, 'M', Op.MRET),
  row('wfi', 0xffffffff, 0x10500073, Format.NONE, 'M', Op.WFI),
  row('sfence.vma', 0xfe007fff, 0x12000073, Format.SFENCE, 'S', Op.SFENCE_VMA),
  // Zicsr
  row('csrrw', I_MASK, 0x1073, Format.CSR, 'Zicsr', Op.CSRRW),
  row('csrrs', I_MASK, 0x2073, Format.CSR, 'Zicsr', Op.CSRRS),
  row('csrrc', I_MASK, 0x3073, Format.CSR, 'Zicsr', Op.CSRRC),
  row('csrrwi', I_MASK, 0x5073, Format.CSRI, 'Zicsr', Op.CSRRWI),
  row('csrrsi', I_MASK, 0x6073, Format.CSRI, 'Zicsr', Op.CSRRSI),
  row('csrrci', I_MASK, 0x7073, Format.CSRI, 'Zicsr', Op.CSRRCI),
  // M
  row('mul', R_MASK, 0x02000033, Format.R, 'M', Op.MUL),
  row('mulh', R_MASK, 0x02001033, Format.R, 'M', Op.MULH),
  row('mulhsu', R_MASK, 0x02002033, Format.R, 'M', Op.MULHSU),
  row('mulhu', R_MASK, 0x02003033, Format.R, 'M', Op.MULHU),
  row('div', R_MASK, 0x02004033, Format.R, 'M', Op.DIV),
  row('divu', R_MASK, 0x02005033, Format.R, 'M', Op.DIVU),
  row('rem', R_MASK, 0x02006033, Format.R, 'M', Op.REM),
  row('remu', R_MASK, 0x02007033, Format.R, 'M', Op.REMU),
  row('mulw', R_MASK, 0x0200003b, Format.R, 'M', Op.MULW),
  row('divw', R_MASK, 0x0200403b, Format.R, 'M', Op.DIVW),
  row('divuw', R_MASK, 0x0200503b, Format.R, 'M', Op.DIVUW),
  row('remw', R_MASK, 0x0200603b, Format.R, 'M', Op.REMW),
  row('remuw', R_MASK, 0x0200703b, Format.R, 'M', Op.REMUW),
  // A
  amo('lr.w', 0x02, 2, Op.LR_W),
  amo('sc.w', 0x03, 2, Op.SC_W),
  amo('amoswap.w', 0x01, 2, Op.AMOSWAP_W),
  amo('amoadd.w', 0x00, 2, Op.AMOADD_W),
  amo('amoxor.w', 0x04, 2, Op.AMOXOR_W),
  amo('amoand.w', 0x0c, 2, Op.AMOAND_W),
  amo('amoor.w', 0x08, 2, Op.AMOOR_W),
  amo('amomin.w', 0x10, 2, Op.AMOMIN_W),
  amo('amomax.w', 0x14, 2, Op.AMOMAX_W),
  amo('amominu.w', 0x18, 2, Op.AMOMINU_W),
  amo('amomaxu.w', 0x1c, 2, Op.AMOMAXU_W),
  amo('lr.d', 0x02, 3, Op.LR_D),
  amo('sc.d', 0x03, 3, Op.SC_D),
  amo('amoswap.d', 0x01, 3, Op.AMOSWAP_D),
  amo('amoadd.d', 0x00, 3, Op.AMOADD_D),
  amo('amoxor.d', 0x04, 3, Op.AMOXOR_D),
  amo('amoand.d', 0x0c, 3, Op.AMOAND_D),
  amo('amoor.d', 0x08, 3, Op.AMOOR_D),
  amo('amomin.d', 0x10, 3, Op.AMOMIN_D),
  amo('amomax.d', 0x14, 3, Op.AMOMAX_D),
  amo('amominu.d', 0x18, 3, Op.AMOMINU_D),
  amo('amomaxu.d', 0x1c, 3, Op.AMOMAXU_D),
  // F and D
  row('flw', I_MASK, 0x2007, Format.FP_LOAD, 'F', Op.FLW),
  row('fld', I_MASK, 0x3007, Format.FP_LOAD, 'D', Op.FLD),
  row('fsw', I_MASK, 0x2027, Format.FP_STORE, 'F', Op.FSW),
  row('fsd', I_MASK, 0x3027, Format.FP_STORE, 'D', Op.FSD),
  fused('fmadd.s', 0x43, 0, FpOp.FMADD_S),
  fused('fmsub.s', 0x47, 0, FpOp.FMSUB_S),
  fused('fnmsub.s', 0x4b, 0, FpOp.FNMSUB_S),
  fused('fnmadd.s', 0x4f, 0, FpOp.FNMADD_S),
  fused('fmadd.d', 0x43, 1, FpOp.FMADD_D),
  fused('fmsub.d', 0x47, 1, FpOp.FMSUB_D),
  fused('fnmsub.d', 0x4b, 1, FpOp.FNMSUB_D),
  fused('fnmadd.d', 0x4f, 1, FpOp.FNMADD_D),
  fp('fadd.s', 0x00, FpOp.FADD_S),
  fp('fsub.s', 0x04, FpOp.FSUB_S),
  fp('fmul.s', 0x08, FpOp.FMUL_S),
  fp('fdiv.s', 0x0c, FpOp.FDIV_S),
  fp('fsqrt.s', 0x2c, FpOp.FSQRT_S, 0),
  fp('fsgnj.s', 0x10, FpOp.FSGNJ_S, undefined, 0),
  fp('fsgnjn.s', 0x10, FpOp.FSGNJN_S, undefined, 1),
  fp('fsgnjx.s', 0x10, FpOp.FSGNJX_S, undefined, 2),
  fp('fmin.s', 0x14, FpOp.FMIN_S, undefined, 0),
  fp('fmax.s', 0x14, FpOp.FMAX_S, undefined, 1),
  fp('fcvt.w.s', 0x60, FpOp.FCVT_W_S, 0),
  fp('fcvt.wu.s', 0x60, FpOp.FCVT_WU_S, 1),
  fp('fcvt.l.s', 0x60, FpOp.FCVT_L_S, 2),
  fp('fcvt.lu.s', 0x60, FpOp.FCVT_LU_S, 3),
  fp('fmv.x.w', 0x70, FpOp.FMV_X_W, 0, 0),
  fp('fclass.s', 0x70, FpOp.FCLASS_S, 0, 1),
  fp('feq.s', 0x50, FpOp.FEQ_S, undefined, 2),
  fp('flt.s', 0x50, FpOp.FLT_S, undefined, 1),
  fp('fle.s', 0x50, FpOp.FLE_S, undefined, 0),
  fp('fcvt.s.w', 0x68, FpOp.FCVT_S_W, 0),
  fp('fcvt.s.wu', 0x68, FpOp.FCVT_S_WU, 1),
  fp('fcvt.s.l', 0x68, FpOp.FCVT_S_L, 2),
  fp('fcvt.s.lu', 0x68, FpOp.FCVT_S_LU, 3),
  fp('fmv.w.x', 0x78, FpOp.FMV_W_X, 0, 0),
  fp('fadd.d', 0x01, FpOp.FADD_D),
  fp('fsub.d', 0x05, FpOp.FSUB_D),
  fp('fmul.d', 0x09, FpOp.FMUL_D),
  fp('fdiv.d', 0x0d, FpOp.FDIV_D),
  fp('fsqrt.d', 0x2d, FpOp.FSQRT_D, 0),
  fp('fsgnj.d', 0x11, FpOp.FSGNJ_D, undefined, 0),
  fp('fsgnjn.d', 0x11, FpOp.FSGNJN_D, undefined, 1),
  fp('fsgnjx.d', 0x11, FpOp.FSGNJX_D, undefined, 2),
  fp('fmin.d', 0x15, FpOp.FMIN_D, undefined, 0),
  fp('fmax.d', 0x15, FpOp.FMAX_D, undefined, 1),
  fp('fcvt.s.d', 0x20, FpOp.FCVT_S_D, 1),
  fp('fcvt.d.s', 0x21, FpOp.FCVT_D_S, 0),
  fp('feq.d', 0x51, FpOp.FEQ_D, undefined, 2),
  fp('flt.d', 0x51, FpOp.FLT_D, undefined, 1),
  fp('fle.d', 0x51, FpOp.FLE_D, undefined, 0),
  fp('fclass.d', 0x71, FpOp.FCLASS_D, 0, 1),
  fp('fmv.x.d', 0x71, FpOp.FMV_X_D, 0, 0),
  fp('fcvt.w.d', 0x61, FpOp.FCVT_W_D, 0),
  fp('fcvt.wu.d', 0x61, FpOp.FCVT_WU_D, 1),
  fp('fcvt.l.d', 0x61, FpOp.FCVT_L_D, 2),
  fp('fcvt.lu.d', 0x61, FpOp.FCVT_LU_D, 3),
  fp('fcvt.d.w', 0x69, FpOp.FCVT_D_W, 0),
  fp('fcvt.d.wu', 0x69, FpOp.FCVT_D_WU, 1),
  fp('fcvt.d.l', 0x69, FpOp.FCVT_D_L, 2),
  fp('fcvt.d.lu', 0x69, FpOp.FCVT_D_LU, 3),
  fp('fmv.d.x', 0x79, FpOp.FMV_D_X, 0, 0),
  // Zba
  row('add.uw', R_MASK, 0x0800003b, Format.R, 'Zba', Op.ADD_UW),
  row('sh1add', R_MASK, 0x20002033, Format.R, 'Zba', Op.SH1ADD),
  row('sh2add', R_MASK, 0x20004033, Format.R, 'Zba', Op.SH2ADD),
  row('sh3add', R_MASK, 0x20006033, Format.R, 'Zba', Op.SH3ADD),
  row('sh1add.uw', R_MASK, 0x2000203b, Format.R, 'Zba', Op.SH1ADD_UW),
  row('sh2add.uw', R_MASK, 0x2000403b, Format.R, 'Zba', Op.SH2ADD_UW),
  row('sh3add.uw', R_MASK, 0x2000603b, Format.R, 'Zba', Op.SH3ADD_UW),
  row('slli.uw', SHIFT64_MASK, 0x0800101b, Format.SHIFT64, 'Zba', Op.SLLI_UW),
  // Zbb
  row('andn', R_MASK, 0x40007033, Format.R, 'Zbb', Op.ANDN),
  row('orn', R_MASK, 0x40006033, Format.R, 'Zbb', Op.ORN),
  row('xnor', R_MASK, 0x40004033, Format.R, 'Zbb', Op.XNOR),
  row('clz', UNARY_MASK, 0x60001013, Format.R, 'Zbb', Op.CLZ),
  row('ctz', UNARY_MASK, 0x60101013, Format.R, 'Zbb', Op.CTZ),
  row('cpop', UNARY_MASK, 0x60201013, Format.R, 'Zbb', Op.CPOP),
  row('sext.b', UNARY_MASK, 0x60401013, Format.R, 'Zbb', Op.SEXT_B),
  row('sext.h', UNARY_MASK, 0x60501013, Format.R, 'Zbb', Op.SEXT_H),
  row('clzw', UNARY_MASK, 0x6000101b, Format.R, 'Zbb', Op.CLZW),
  row('ctzw', UNARY_MASK, 0x6010101b, Format.R, 'Zbb', Op.CTZW),
  row('cpopw', UNARY_MASK, 0x6020101b, Format.R, 'Zbb', Op.CPOPW),
  row('zext.h', UNARY_MASK, 0x0800403b, Format.R, 'Zbb', Op.ZEXT_H),
  row('max', R_MASK, 0x0a006033, Format.R, 'Zbb', Op.MAX),
  row('maxu', R_MASK, 0x0a007033, Format.R, 'Zbb', Op.MAXU),
  row('min', R_MASK, 0x0a004033, Format.R, 'Zbb', Op.MIN),
  row('minu', R_MASK, 0x0a005033, Format.R, 'Zbb', Op.MINU),
  row('rol', R_MASK, 0x60001033, Format.R, 'Zbb', Op.ROL),
  row('ror', R_MASK, 0x60005033, Format.R, 'Zbb', Op.ROR),
  row('rolw', R_MASK, 0x6000103b, Format.R, 'Zbb', Op.ROLW),
  row('rorw', R_MASK, 0x6000503b, Format.R, 'Zbb', Op.RORW),
  row('rori', SHIFT64_MASK, 0x60005013, Format.SHIFT64, 'Zbb', Op.RORI),
  row('roriw', R_MASK, 0x6000501b, Format.SHIFT32, 'Zbb', Op.RORIW),
  row('orc.b', UNARY_MASK, 0x28705013, Format.R, 'Zbb', Op.ORC_B),
  row('rev8', UNARY_MASK, 0x6b805013, Format.R, 'Zbb', Op.REV8),
  // Zbs
  row('bclr', R_MASK, 0x48001033, Format.R, 'Zbs', Op.BCLR),
  row('bclri', SHIFT64_MASK, 0x48001013, Format.SHIFT64, 'Zbs', Op.BCLRI),
  row('bext', R_MASK, 0x48005033, Format.R, 'Zbs', Op.BEXT),
  row('bexti', SHIFT64_MASK, 0x48005013, Format.SHIFT64, 'Zbs', Op.BEXTI),
  row('binv', R_MASK, 0x68001033, Format.R, 'Zbs', Op.BINV),
  row('binvi', SHIFT64_MASK, 0x68001013, Format.SHIFT64, 'Zbs', Op.BINVI),
  row('bset', R_MASK, 0x28001033, Format.R, 'Zbs', Op.BSET),
  row('bseti', SHIFT64_MASK, 0x28001013, Format.SHIFT64, 'Zbs', Op.BSETI),
  // Zicond
  row('czero.eqz', R_MASK, 0x0e005033, Format.R, 'Zicond', Op.CZERO_EQZ),
  row('czero.nez', R_MASK, 0x0e007033, Format.R, 'Zicond', Op.CZERO_NEZ),
];
