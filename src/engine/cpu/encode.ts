// Encoders of the 32-bit base instruction formats (unprivileged spec 2.2-2.3: R, R4, I, S, B, U,
// J), shared by the compressed-instruction expander and by tools that generate code (the JIT's
// random differential programs, tests). Results are unsigned 32-bit values. Branch and jump
// offsets must be even and in range: generators get an error instead of a silently wrong word.

export function encR(
  opcode: number,
  funct3: number,
  funct7: number,
  rd: number,
  rs1: number,
  rs2: number,
): number {
  return ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

/** R4 format (fused multiply-add): fmt 0 single, 1 double; rm in the funct3 position. */
export function encR4(
  opcode: number,
  fmt: number,
  rm: number,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
): number {
  return ((rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode) >>> 0;
}

export function encI(opcode: number, funct3: number, rd: number, rs1: number, imm: number): number {
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

export function encS(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  return (
    ((((imm >> 5) & 0x7f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (funct3 << 12) |
      ((imm & 0x1f) << 7) |
      opcode) >>>
    0
  );
}

/** Conditional branch (opcode BRANCH) with a byte offset in [-4096, 4094]. */
export function encB(funct3: number, rs1: number, rs2: number, imm: number): number {
  if (imm < -4096 || imm > 4094 || (imm & 1) !== 0) throw new RangeError(`branch offset ${imm}`);
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (funct3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      0x63) >>>
    0
  );
}

/** `upper` is the 20-bit field (the immediate is upper << 12, sign-extended from bit 31). */
export function encU(opcode: number, rd: number, upper: number): number {
  return (((upper & 0xfffff) << 12) | (rd << 7) | opcode) >>> 0;
}

/** JAL with a byte offset in [-2^20, 2^20). */
export function encJ(rd: number, imm: number): number {
  if (imm < -(1 << 20) || imm >= 1 << 20 || (imm & 1) !== 0) throw new RangeError(`jal offset ${imm}`);
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (rd << 7) |
      0x6f) >>>
    0
  );
}

// Mnemonics that code generators (the V8 training program, the JIT's tests) write by hand.
export const addi = (rd: number, rs1: number, imm: number): number => encI(0x13, 0, rd, rs1, imm);
export const lui = (rd: number, upper: number): number => encU(0x37, rd, upper);
export const auipc = (rd: number, upper: number): number => encU(0x17, rd, upper);
/** A Zicsr instruction: funct3 1-3 csrrw/csrrs/csrrc, 5-7 their immediate forms (rs1 = uimm). */
export const csr = (funct3: number, rd: number, rs1: number, number: number): number =>
  encI(0x73, funct3, rd, rs1, number);
