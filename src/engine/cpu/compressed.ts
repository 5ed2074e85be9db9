// The C extension: every 16-bit instruction is expanded to the 32-bit instruction it stands for
// (unprivileged spec chapter 26, "Compressed Instruction Formats" and the RVC opcode map, RV64
// column), so the rest of the hart only knows 32-bit semantics. Reserved encodings and those that
// are illegal in RV64 (c.jal, c.flw, ...) return 0, which decodes as an illegal instruction.
// HINT encodings expand to instructions with no architectural effect, as the spec allows.

import { encB, encI, encJ, encR, encS } from './encode.js';

/** Bit field [hi:lo] of v. */
function bits(v: number, hi: number, lo: number): number {
  return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/** Register x8..x15 from a 3-bit field (the "popular" registers of CIW/CL/CS/CA/CB). */
function creg(field: number): number {
  return field + 8;
}

function signExtend(v: number, width: number): number {
  const shift = 32 - width;
  return (v << shift) >> shift;
}

const OP_IMM = 0x13;
const OP_IMM_32 = 0x1b;
const OP = 0x33;
const OP_32 = 0x3b;
const LOAD = 0x03;
const STORE = 0x23;
const LOAD_FP = 0x07;
const STORE_FP = 0x27;
const LUI = 0x37;
const JALR = 0x67;
const EBREAK = 0x00100073;

/** Expand a 16-bit instruction (low two bits not 11) to its 32-bit equivalent, or 0 if illegal. */
export function expandCompressed(h: number): number {
  const quadrant = h & 3;
  const funct3 = bits(h, 15, 13);
  const rdFull = bits(h, 11, 7);
  const rs2Full = bits(h, 6, 2);
  const rdPrime = creg(bits(h, 4, 2));
  const rs1Prime = creg(bits(h, 9, 7));
  switch (quadrant) {
    case 0:
      switch (funct3) {
        case 0: {
          // c.addi4spn: nzuimm[5:4|9:6|2|3]
          const imm =
            (bits(h, 12, 11) << 4) | (bits(h, 10, 7) << 6) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 3);
          if (imm === 0) return 0; // includes the all-zero illegal instruction
          return encI(OP_IMM, 0, rdPrime, 2, imm);
        }
        case 1: // c.fld
          return encI(LOAD_FP, 3, rdPrime, rs1Prime, (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6));
        case 2: // c.lw
          return encI(
            LOAD,
            2,
            rdPrime,
            rs1Prime,
            (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 6),
          );
        case 3: // c.ld
          return encI(LOAD, 3, rdPrime, rs1Prime, (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6));
        case 5: // c.fsd
          return encS(STORE_FP, 3, rs1Prime, rdPrime, (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6));
        case 6: // c.sw
          return encS(
            STORE,
            2,
            rs1Prime,
            rdPrime,
            (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 6),
          );
        case 7: // c.sd
          return encS(STORE, 3, rs1Prime, rdPrime, (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6));
        default: // 4 is reserved
          return 0;
      }
    case 1:
      switch (funct3) {
        case 0: // c.addi (rd=0: c.nop / hints)
          return encI(OP_IMM, 0, rdFull, rdFull, signExtend((bits(h, 12, 12) << 5) | rs2Full, 6));
        case 1: // c.addiw (RV64); rd=0 reserved
          if (rdFull === 0) return 0;
          return encI(OP_IMM_32, 0, rdFull, rdFull, signExtend((bits(h, 12, 12) << 5) | rs2Full, 6));
        case 2: // c.li
          return encI(OP_IMM, 0, rdFull, 0, signExtend((bits(h, 12, 12) << 5) | rs2Full, 6));
        case 3: {
          if (rdFull === 2) {
            // c.addi16sp: nzimm[9|4|6|8:7|5]
            const imm = signExtend(
              (bits(h, 12, 12) << 9) |
                (bits(h, 6, 6) << 4) |
                (bits(h, 5, 5) << 6) |
                (bits(h, 4, 3) << 7) |
                (bits(h, 2, 2) << 5),
              10,
            );
            if (imm === 0) return 0;
            return encI(OP_IMM, 0, 2, 2, imm);
          }
          // c.lui: nzimm[17|16:12]; imm 0 reserved
          const imm = signExtend((bits(h, 12, 12) << 17) | (rs2Full << 12), 18);
          if (imm === 0) return 0;
          return (imm & 0xfffff000) | (rdFull << 7) | LUI | 0;
        }
        case 4: {
          const funct2 = bits(h, 11, 10);
          const shamt = (bits(h, 12, 12) << 5) | rs2Full;
          switch (funct2) {
            case 0: // c.srli
              return encI(OP_IMM, 5, rs1Prime, rs1Prime, shamt);
            case 1: // c.srai
              return encI(OP_IMM, 5, rs1Prime, rs1Prime, shamt | 0x400);
            case 2: // c.andi
              return encI(OP_IMM, 7, rs1Prime, rs1Prime, signExtend(shamt, 6));
            default: {
              const rs2 = rdPrime;
              const op = (bits(h, 12, 12) << 2) | bits(h, 6, 5);
              switch (op) {
                case 0: // c.sub
                  return encR(OP, 0, 0x20, rs1Prime, rs1Prime, rs2);
                case 1: // c.xor
                  return encR(OP, 4, 0, rs1Prime, rs1Prime, rs2);
                case 2: // c.or
                  return encR(OP, 6, 0, rs1Prime, rs1Prime, rs2);
                case 3: // c.and
                  return encR(OP, 7, 0, rs1Prime, rs1Prime, rs2);
                case 4: // c.subw
                  return encR(OP_32, 0, 0x20, rs1Prime, rs1Prime, rs2);
                case 5: // c.addw
                  return encR(OP_32, 0, 0, rs1Prime, rs1Prime, rs2);
                default: // reserved (Zcb is not implemented)
                  return 0;
              }
            }
          }
        }
        case 5: {
          // c.j: imm[11|4|9:8|10|6|7|3:1|5]
          const imm = signExtend(
            (bits(h, 12, 12) << 11) |
              (bits(h, 11, 11) << 4) |
              (bits(h, 10, 9) << 8) |
              (bits(h, 8, 8) << 10) |
              (bits(h, 7, 7) << 6) |
              (bits(h, 6, 6) << 7) |
              (bits(h, 5, 3) << 1) |
              (bits(h, 2, 2) << 5),
            12,
          );
          return encJ(0, imm);
        }
        default: {
          // c.beqz / c.bnez: imm[8|4:3] rs1' imm[7:6|2:1|5]
          const imm = signExtend(
            (bits(h, 12, 12) << 8) |
              (bits(h, 11, 10) << 3) |
              (bits(h, 6, 5) << 6) |
              (bits(h, 4, 3) << 1) |
              (bits(h, 2, 2) << 5),
            9,
          );
          return encB(funct3 === 6 ? 0 : 1, rs1Prime, 0, imm);
        }
      }
    case 2:
      switch (funct3) {
        case 0: // c.slli (rd=0 or shamt=0: hints)
          return encI(OP_IMM, 1, rdFull, rdFull, (bits(h, 12, 12) << 5) | rs2Full);
        case 1: // c.fldsp
          return encI(
            LOAD_FP,
            3,
            rdFull,
            2,
            (bits(h, 12, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6),
          );
        case 2: // c.lwsp; rd=0 reserved
          if (rdFull === 0) return 0;
          return encI(
            LOAD,
            2,
            rdFull,
            2,
            (bits(h, 12, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6),
          );
        case 3: // c.ldsp; rd=0 reserved
          if (rdFull === 0) return 0;
          return encI(
            LOAD,
            3,
            rdFull,
            2,
            (bits(h, 12, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6),
          );
        case 4:
          if (bits(h, 12, 12) === 0) {
            if (rs2Full === 0) {
              if (rdFull === 0) return 0; // c.jr with rs1=0 is reserved
              return encI(JALR, 0, 0, rdFull, 0); // c.jr
            }
            return encR(OP, 0, 0, rdFull, 0, rs2Full); // c.mv
          }
          if (rs2Full === 0) {
            if (rdFull === 0) return EBREAK; // c.ebreak
            return encI(JALR, 0, 1, rdFull, 0); // c.jalr
          }
          return encR(OP, 0, 0, rdFull, rdFull, rs2Full); // c.add
        case 5: // c.fsdsp
          return encS(STORE_FP, 3, 2, rs2Full, (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6));
        case 6: // c.swsp
          return encS(STORE, 2, 2, rs2Full, (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6));
        default: // c.sdsp
          return encS(STORE, 3, 2, rs2Full, (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6));
      }
    default:
      return 0;
  }
}
