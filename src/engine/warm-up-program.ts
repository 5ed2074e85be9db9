// The training program for V8 (see warm-up.ts): a small bare-metal image that runs every row of
// the instruction table once in each privilege mode. Kept apart from the runner so that the
// translation worker, which only translates the sweep's page, loads none of the machine.

import { Format, INSTRUCTIONS, type InstructionPattern } from './cpu/decode-table.js';
import { addi, auipc, csr, encB, encI, encJ, encR, encS, lui } from './cpu/encode.js';
import { CLINT_BASE, RAM_BASE, TEST_FINISHER_BASE, UART0_BASE } from './memmap.js';

/** Layout of the training program in the scratch machine's RAM (offsets from RAM_BASE). */
const HANDLER = 0x000; // M-mode entry jumps past the handler
const SWEEP = 0x1000; // the sweep starts a page of its own (the worker translates that page)
const DATA = 0x4000; // two data pages; the data pointer sits in the middle of the first
/** A data address (offset from RAM_BASE) the runner may use outside the program's run. */
export const SCRATCH_DATA = DATA;
const ROOT = 0x8000; // the gigapages' table (Sv57 level 2)
const TOP = 0x9000; // Sv57 root (level 4)
const LOW_L3 = 0xa000; // level 3 of the low half and of the linear map
const KERNEL_L3 = 0xb000; // level 3 of the kernel image's half
/** RAM of the scratch machine that runs the program. */
export const RAM_BYTES = 0x10000;
/**
 * U-mode runs the sweep through a user gigapage at this virtual address (same physical RAM):
 * high in the user half, where Linux under Sv57 puts the stack and the vDSO (0x7fff...), so that
 * fetches there (page numbers beyond V8's small integers) are not first met in the guest.
 */
const USER_VA = 0x7ff0_0000_0000;
const USER_L2 = 0xc000; // its level-2 table (Sv57)
/**
 * S-mode runs as Linux does under Sv57 (the MMU the machine offers): its code through the
 * kernel image's mapping (RAM_BASE - 2^32: 0xffffffff80000000), its data through the linear
 * map (RAM_BASE + LINEAR_OFFSET: 0xff60000080000000). Page numbers of the linear map are beyond
 * V8's small integers, which the MMU's code otherwise first met in the guest ("overflow" deopts
 * of the walk's address arithmetic and the data TLB fill), and walks take all five levels. (Code
 * stays near the top, as Linux's: pc is a double, exact only within 2^53 of zero.)
 */
const LINEAR_OFFSET_SHIFTED = -10; // LINEAR_OFFSET = -10 << 52 = 0xff60000000000000

const SCRATCH = [
  1, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
];
/** Register codes (x8 + code) a compressed instruction may write: not x10-x12 (the pointers). */
const CSCRATCH = [0, 1, 5, 6, 7];
const DATA_REG = 10; // data pointer (sp too, for the compressed sp-relative forms)
const MMIO_REG = 11; // the UART
const JUMP_REG = 12; // target of the sweep's indirect jumps
const HANDLER_TMP = 3; // gp: the trap handler's temporary
export const PHASE_REG = 4; // tp: the mode phase
const SP = 2;

/** CSRs the sweep writes (fflags, frm, fcsr, sscratch) and only reads (counters, sstatus, sie, satp, sip). */
const CSR_WRITABLE = [0x001, 0x002, 0x003, 0x140];
const CSR_READ_ONLY = [0xc00, 0xc01, 0xc02, 0x100, 0x104, 0x180, 0x144, 0x14d];

const C_NOP = 0x0001;
/** c.addi16sp sp, 16 and sp, -16 (nzimm[9] in bit 12; [4|6|8:7|5] in bits 6:2). */
const C_ADDI16SP_UP = 0x6141;
const C_ADDI16SP_DOWN = 0x717d;
const ECALL = 0x00000073;
const SRET = 0x10200073;
const WFI = 0x10500073;
/** mie.MSIE; sie/sip/mideleg SSIE/SSIP; sstatus SIE and SPP; mstatus.TW and TSR. */
const MIE_MSIE = 0x8;
const SIP_SSIP = 0x2;
const SSTATUS_SIE = 0x2;
const SSTATUS_SPP = 0x100;
const SSTATUS_SUM = 1 << 18;
const MSTATUS_TW_TSR_UPPER = 0x600; // (1 << 21 | 1 << 22) >>> 12, for lui
const MRET = 0x30200073;

/** A tiny deterministic generator (xorshift32): the same program every time. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

class Code {
  readonly bytes = new Uint8Array(RAM_BYTES);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string; make: (offset: number) => number }[] = [];
  constructor(public at: number) {}
  word(w: number): void {
    this.view.setUint32(this.at, w >>> 0, true);
    this.at += 4;
  }
  half(h: number): void {
    this.view.setUint16(this.at, h & 0xffff, true);
    this.at += 2;
  }
  /** A compressed instruction padded to a 4-byte slot, so the handler skips any slot by 4. */
  compressed(h: number): void {
    this.half(h);
    this.half(C_NOP);
  }
  dword(offset: number, v: bigint): void {
    this.view.setBigUint64(offset, v, true);
  }
  label(name: string): void {
    this.labels.set(name, this.at);
  }
  offsetOf(name: string): number {
    const at = this.labels.get(name);
    if (at === undefined) throw new Error(`warm-up: no label ${name}`);
    return at;
  }
  /** A branch or jump to a label, encoded once every label is known (`resolve`). */
  to(label: string, make: (offset: number) => number): void {
    this.fixups.push({ at: this.at, label, make });
    this.word(0);
  }
  /** rd = the address of a label, pc-relative (auipc + addi). */
  address(rd: number, label: string): void {
    const hi = (offset: number) => (offset + 0x800) >> 12;
    this.to(label, (offset) => auipc(rd, hi(offset)));
    this.to(label, (offset) => addi(rd, rd, offset + 4 - (hi(offset + 4) << 12)));
  }
  resolve(): void {
    for (const { at, label, make } of this.fixups) {
      const target = this.labels.get(label);
      if (target === undefined) throw new Error(`warm-up: no label ${label}`);
      this.view.setUint32(at, make(target - at) >>> 0, true);
    }
  }
}

const csrrw = (rd: number, number: number, rs1: number) => csr(1, rd, rs1, number);
const csrrs = (rd: number, number: number, rs1: number) => csr(2, rd, rs1, number);
const csrrc = (rd: number, number: number, rs1: number) => csr(3, rd, rs1, number);
const slli = (rd: number, rs1: number, shamt: number) => encI(0x13, 1, rd, rs1, shamt);
const sw = (rs2: number, rs1: number, imm: number) => encS(0x23, 2, rs1, rs2, imm);
const add = (rd: number, rs1: number, rs2: number) => encR(0x33, 0, 0, rd, rs1, rs2);
/** Conditional branches to a label (Code.to makes them once the offset is known). */
const beq = (a: number, b: number) => (o: number) => encB(0, a, b, o);
const bne = (a: number, b: number) => (o: number) => encB(1, a, b, o);
const blt = (a: number, b: number) => (o: number) => encB(4, a, b, o);
const bge = (a: number, b: number) => (o: number) => encB(5, a, b, o);
const CSR = {
  mstatus: 0x300,
  mtvec: 0x305,
  mepc: 0x341,
  mcause: 0x342,
  satp: 0x180,
  sstatus: 0x100,
  mcounteren: 0x306,
  mie: 0x304,
  mideleg: 0x303,
  sie: 0x104,
  sip: 0x144,
  sepc: 0x141,
  menvcfg: 0x30a,
  pmpcfg0: 0x3a0,
  pmpaddr0: 0x3b0,
  pmpaddr1: 0x3b1,
};

/** One row of the table, made to run in place. */
function emitRow(c: Code, p: InstructionPattern, pick: (n: number) => number): void {
  const any = () => SCRATCH[pick(SCRATCH.length)];
  const opcode = p.match & 0x7f;
  const place = (fields: number) => c.word(((fields & ~p.mask) | p.match) >>> 0);
  const regs = (rd: number, rs1: number, rs2: number) => (rd << 7) | (rs1 << 15) | (rs2 << 20);
  const imm12 = () => pick(4096) << 20;
  // Data offsets below and above the pointer (the address arithmetic differs by sign), and the
  // last byte of the page: misaligned, and crossing into the next page for every width above 1.
  // The one below is 8-byte aligned, so that every width also takes its aligned fast path (a
  // path first met in the guest deoptimizes the interpreter's loop: 100-200 ms of recompiling).
  const offsets = () => [-8 - 8 * pick(256), pick(2048), 0x7ff].map((o) => o & 0xfff);
  switch (p.format) {
    case Format.NONE:
      // ecall closes the sweep; mret/sret/wfi would leave it. ebreak traps and is skipped.
      if (p.name === 'ebreak') c.word(p.match);
      return;
    case Format.J:
      c.word(encJ(pick(2) === 0 ? 0 : any(), 4));
      return;
    case Format.B:
      // To the next slot either way; equal operands and x0 against a register make both
      // outcomes likely for every condition (an outcome first met in the guest deoptimizes).
      c.word(encB((p.match >>> 12) & 7, any(), any(), 4));
      for (const r of [any(), any()]) c.word(encB((p.match >>> 12) & 7, r, r, 4));
      c.word(encB((p.match >>> 12) & 7, 0, any(), 4));
      c.word(encB((p.match >>> 12) & 7, any(), 0, 4));
      return;
    case Format.I:
      if (opcode === 0x67) {
        // jalr to the slot after it, through a pointer made by auipc.
        c.word(auipc(JUMP_REG, 0));
        c.word(encI(0x67, 0, any(), JUMP_REG, 8));
      } else if (opcode === 0x03) {
        for (const o of offsets()) place(regs(any(), DATA_REG, 0) | (o << 20));
        // The same load from the UART's line status register: the device path.
        place(regs(any(), MMIO_REG, 0) | (5 << 20));
      } else {
        place(regs(any(), any(), 0) | imm12());
      }
      return;
    case Format.S: {
      for (const o of offsets()) place(regs(o & 0x1f, DATA_REG, any()) | ((o >> 5) << 25));
      // And to the UART's scratch register.
      place(regs(7, MMIO_REG, any()));
      return;
    }
    case Format.FP_LOAD:
      for (const o of offsets()) place(regs(any(), DATA_REG, 0) | (o << 20));
      return;
    case Format.FP_STORE:
      for (const o of offsets()) place(regs(o & 0x1f, DATA_REG, any()) | ((o >> 5) << 25));
      return;
    case Format.AMO:
    case Format.CBO:
      place(regs(any(), DATA_REG, any()));
      return;
    case Format.SFENCE:
      place(regs(0, pick(2) === 0 ? 0 : DATA_REG, 0));
      return;
    case Format.CSR:
    case Format.CSRI: {
      const writable = pick(2) === 0;
      const csr = writable
        ? CSR_WRITABLE[pick(CSR_WRITABLE.length)]
        : CSR_READ_ONLY[pick(CSR_READ_ONLY.length)];
      // A read-only CSR only through csrrs/csrrc with x0 (no write): the others trap, and are skipped.
      const source = writable ? (p.format === Format.CSR ? any() : pick(32)) : 0;
      place(regs(any(), source, 0) | (csr << 20));
      return;
    }
    case Format.FP_R:
    case Format.FP_R4:
      // Rounding modes at random: the reserved ones trap, as they should.
      place(regs(any(), any(), any()) | (any() << 27) | (pick(8) << 12));
      return;
    default:
      if (/^(div|rem|mulh)/.test(p.name)) {
        // Division's special cases (by zero; the most negative value by -1, 64- and 32-bit) and
        // the high multiplies of negative values: paths random operands rarely take, each of
        // which would otherwise deoptimize the interpreter's out-of-line execution when a guest
        // first took it.
        c.word(addi(EDGE_B, 0, 0));
        place(regs(any(), any(), EDGE_B));
        c.word(addi(EDGE_B, 0, -1));
        c.word(addi(EDGE_A, 0, 1));
        c.word(slli(EDGE_A, EDGE_A, 63));
        place(regs(any(), EDGE_A, EDGE_B));
        c.word(lui(EDGE_A, 0x80000));
        place(regs(any(), EDGE_A, EDGE_B));
        place(regs(any(), EDGE_B, EDGE_A));
      }
      // R, U, shifts, fences: operands at random, immediates too.
      place(regs(any(), any(), any()) | (pick(1 << 12) << 20));
  }
}

/** Scratch registers the division edge cases load (among SCRATCH, so harmless to the sweep). */
const EDGE_A = 28;
const EDGE_B = 29;

/**
 * Every CSR the harts implement that guests read (unprivileged, supervisor, machine): the sweep
 * reads each once, since the CSR rows of the table reach only a few. Firmware and Linux read and
 * write dozens; each CSR first met in a boot made readCsr, executeCsr or executeOther deoptimize
 * (3, 2 and 3 times in a Debian boot, ~300 ms of recompiles together). Where the mode lacks the
 * privilege, the access traps and is skipped.
 */
const CSR_SWEPT = [
  0x001, 0x002, 0x003, 0xc00, 0xc01, 0xc02, 0xc03, 0x100, 0x104, 0x105, 0x106, 0x10a, 0x140, 0x141, 0x142,
  0x143, 0x144, 0x14d, 0x180, 0xf11, 0xf12, 0xf13, 0xf14, 0xf15, 0x300, 0x301, 0x302, 0x303, 0x304, 0x305,
  0x306, 0x30a, 0x320, 0x323, 0x340, 0x341, 0x342, 0x343, 0x344, 0x3a0, 0x3b0, 0xb00, 0xb02, 0xb03,
];
/** CSRs also written with their own value (csrrs with a zero register: the write path, no change). */
const CSR_REWRITTEN = [
  0x100, 0x104, 0x106, 0x10a, 0x141, 0x144, 0x14d, 0x180, 0x300, 0x304, 0x306, 0x30a, 0x341, 0x344,
];

function emitCsrSweep(c: Code): void {
  for (const number of CSR_SWEPT) c.word(csrrs(EDGE_A, number, 0));
  c.word(addi(EDGE_B, 0, 0));
  for (const number of CSR_REWRITTEN) c.word(csrrs(EDGE_A, number, EDGE_B));
  // sstatus.SIE set and cleared (Linux's local_irq_enable/disable; sie is zero: nothing is taken).
  c.word(addi(EDGE_B, 0, 2));
  c.word(csrrs(EDGE_A, CSR.sstatus, EDGE_B));
  c.word(csrrc(EDGE_A, CSR.sstatus, EDGE_B));
  // And with immediates, as Linux's csrsi/csrci sstatus, 2 are.
  c.word(csr(6, 0, 2, CSR.sstatus)); // csrrsi
  c.word(csr(7, 0, 2, CSR.sstatus)); // csrrci
}

/**
 * Paths the table's rows with random operands rarely take, each of which deoptimized a function
 * of the interpreter's or the translator's when a Debian boot first took it: shifts by zero,
 * count-leading/trailing zeros of a value with a zero half, access groups ending in their
 * different ways, S-mode loads from a user page with and without sstatus.SUM, loops, a
 * store-conditional without a reservation, a load that no PMP entry covers.
 */
function emitEdgeCases(c: Code): void {
  const r = (funct7: number, funct3: number, opcode: number) => (rd: number, rs1: number, rs2: number) =>
    encR(opcode, funct3, funct7, rd, rs1, rs2);
  c.word(addi(EDGE_B, 0, 5));
  for (const [funct3, funct7] of [
    [1, 0],
    [5, 0],
    [5, 0x20],
  ]) {
    c.word(encI(0x13, funct3, EDGE_A, EDGE_B, funct7 << 5)); // slli/srli/srai by 0
    c.word(r(funct7, funct3, 0x33)(EDGE_A, EDGE_B, 0)); // sll/srl/sra by x0
    c.word(encI(0x1b, funct3, EDGE_A, EDGE_B, funct7 << 5)); // the W forms
    c.word(r(funct7, funct3, 0x3b)(EDGE_A, EDGE_B, 0));
  }
  // clz and ctz (Zbb) of 5 (high half zero) and of 5 << 62 (low half zero).
  const clz = (rd: number, rs1: number) => encI(0x13, 1, rd, rs1, 0x600);
  const ctz = (rd: number, rs1: number) => encI(0x13, 1, rd, rs1, 0x601);
  for (let k = 0; k < 2; k++) {
    c.word(clz(EDGE_A, EDGE_B));
    c.word(ctz(EDGE_A, EDGE_B));
    c.word(slli(EDGE_B, EDGE_B, 62));
  }
  // Two accesses through one base (an access group, jit/access-groups.ts), then an fld whose
  // destination has the base's number (a float register: the group goes on) and a load into the
  // base itself (which ends it).
  c.word(addi(EDGE_A, DATA_REG, 0));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
  c.word(encI(0x07, 3, EDGE_A, EDGE_A, 8));
  c.word(encI(0x03, 3, EDGE_A, EDGE_A, 16));
  // The data page through the user gigapage: from S a page fault without sstatus.SUM, a load
  // with it (U loads it as its own, M faults on the bus: nothing is at that physical address).
  c.word(addi(EDGE_A, 0, USER_VA / 2 ** 36));
  c.word(slli(EDGE_A, EDGE_A, 36));
  c.word(lui(EDGE_B, (DATA + 0x800 + 0x800) >>> 12));
  c.word(addi(EDGE_B, EDGE_B, -0x800)); // DATA + 0x800
  c.word(add(EDGE_A, EDGE_A, EDGE_B));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
  c.word(lui(EDGE_B, SSTATUS_SUM >>> 12));
  c.word(csrrs(0, CSR.sstatus, EDGE_B));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
  c.word(lui(EDGE_B, SSTATUS_SUM >>> 12));
  c.word(csrrc(0, CSR.sstatus, EDGE_B));
  // A pointer walk through one base (the group goes on past `addi base, base, k`, and ends at any
  // other write of the base), then loops: one of three blocks (a forward branch inside) and one of
  // a single block, twice round each (the translator emits loops apart; jit/translate.ts emitParts).
  c.word(addi(EDGE_A, DATA_REG, 0));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
  c.word(addi(EDGE_A, EDGE_A, 8));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
  c.word(slli(EDGE_A, EDGE_A, 0));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 8));
  c.word(addi(EDGE_B, 0, 2));
  c.label('edge-loop');
  c.word(addi(EDGE_B, EDGE_B, -1));
  c.to('edge-skip', beq(EDGE_B, 0));
  c.word(addi(EDGE_A, EDGE_A, 1));
  c.label('edge-skip');
  c.to('edge-loop', bne(EDGE_B, 0));
  c.word(addi(EDGE_B, 0, 2));
  c.label('edge-self-loop');
  c.word(addi(EDGE_B, EDGE_B, -1));
  c.to('edge-self-loop', bne(EDGE_B, 0));
  // sc.w and sc.d twice: the second fails for want of a reservation whatever came before.
  for (const funct3 of [2, 3, 2, 3]) c.word(r(0x0c, funct3, 0x2f)(EDGE_A, DATA_REG, EDGE_B));
  // A load from 4 GiB, physical (M) or through a gigapage (S), beyond every PMP entry: M-mode's
  // access passes the PMP and faults on the bus, S-mode's fails the PMP (U-mode's page faults).
  c.word(addi(EDGE_A, 0, 1));
  c.word(slli(EDGE_A, EDGE_A, 32));
  c.word(encI(0x03, 3, EDGE_B, EDGE_A, 0));
}

/** A sample of every compressed form (RV64C), registers held to the scratch set. */
function emitCompressed(c: Code, pick: (n: number) => number): void {
  const creg = () => CSCRATCH[pick(CSCRATCH.length)];
  const any = () => SCRATCH[pick(SCRATCH.length)];
  const imm = (bitsMask: number) => pick(0x10000) & bitsMask;
  const DATA_CREG = DATA_REG - 8;
  for (let round = 0; round < 2; round++) {
    // Quadrant 0: c.addi4spn (nonzero immediate), c.fld, c.lw, c.ld, c.fsd, c.sw, c.sd.
    c.compressed((0 << 13) | (imm(0x1fe0) | 0x20) | (creg() << 2));
    for (const f3 of [1, 2, 3, 5, 6, 7])
      c.compressed((f3 << 13) | imm(0x1c60) | (DATA_CREG << 7) | (creg() << 2));
    // Quadrant 1: c.addi, c.addiw, c.li, c.lui, the ALU group, c.j, c.beqz, c.bnez.
    for (const f3 of [0, 1, 2]) c.compressed((f3 << 13) | imm(0x107c) | (any() << 7) | 1);
    c.compressed((3 << 13) | imm(0x107c) | 0x40 | (any() << 7) | 1);
    // c.addi16sp (c.lui's encoding with rd = sp): sp up 16 and back.
    c.compressed(C_ADDI16SP_UP);
    c.compressed(C_ADDI16SP_DOWN);
    // c.srli, c.srai, c.andi (bits 11:10 = 0-2), then sub/xor/or/and/subw/addw (and the two
    // reserved encodings: illegal, skipped) in bits 12 and 6:5 with bits 11:10 = 3.
    for (const group of [0, 1, 2]) c.compressed((4 << 13) | (group << 10) | (creg() << 7) | imm(0x107c) | 1);
    for (let alu = 0; alu < 8; alu++) {
      c.compressed(
        (4 << 13) | ((alu >> 2) << 12) | (3 << 10) | (creg() << 7) | ((alu & 3) << 5) | (creg() << 2) | 1,
      );
    }
    c.half((5 << 13) | (1 << 4) | 1); // c.j +4 (over the pad)
    c.half(C_NOP);
    for (const f3 of [6, 7]) {
      c.half((f3 << 13) | (creg() << 7) | (1 << 4) | 1); // c.beqz/c.bnez +4
      c.half(C_NOP);
    }
    // Quadrant 2: c.slli, c.fldsp, c.lwsp, c.ldsp, c.mv, c.add, c.ebreak, c.fsdsp, c.swsp, c.sdsp.
    c.compressed((0 << 13) | imm(0x107c) | (any() << 7) | 2);
    for (const f3 of [1, 2, 3]) c.compressed((f3 << 13) | imm(0x107c) | (any() << 7) | 2);
    c.compressed((4 << 13) | (any() << 7) | (any() << 2) | 2); // c.mv
    c.compressed((4 << 13) | (1 << 12) | (any() << 7) | (any() << 2) | 2); // c.add
    c.compressed((4 << 13) | (1 << 12) | 2); // c.ebreak
    for (const f3 of [5, 6, 7]) c.compressed((f3 << 13) | imm(0x1f80) | (any() << 2) | 2);
    // c.jr and c.jalr to the slot after them.
    for (const link of [0, 1]) {
      c.word(auipc(JUMP_REG, 0));
      c.word(addi(JUMP_REG, JUMP_REG, 12));
      c.half((4 << 13) | (link << 12) | (JUMP_REG << 7) | 2);
      c.half(C_NOP);
    }
  }
}

/** The training program: a RAM image for RAM_BASE (see the layout above). */
export function warmUpProgram(rounds = 40): Uint8Array {
  return buildProgram(rounds).bytes;
}

/** The sweep's sections (see warmUpSweepPage), in order. */
const SECTIONS = ['sweep', 'compressed', 'csrs', 'edges', 'prologue', 'straddle'];

function buildProgram(rounds: number): { bytes: Uint8Array; sections: number[] } {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 600)
    throw new RangeError(`warm-up rounds ${rounds}`);
  const pick = rng(0x5eed);
  const c = new Code(HANDLER);
  const TMP = HANDLER_TMP;
  const T5 = 5;
  const T6 = 6;
  const j = (o: number) => encJ(0, o);
  const sub = (rd: number, rs1: number, rs2: number) => encR(0x33, 0, 0x20, rd, rs1, rs2);
  const or = (rd: number, rs1: number, rs2: number) => encR(0x33, 6, 0, rd, rs1, rs2);
  const xor = (rd: number, rs1: number, rs2: number) => encR(0x33, 4, 0, rd, rs1, rs2);
  const srli = (rd: number, rs1: number, shamt: number) => encI(0x13, 5, rd, rs1, shamt);

  c.to('start', j);
  // Trap handler (M-mode): a finished sweep (ecall from U, S or M: causes 8, 9, 11) moves to the
  // next phase; any other trap skips its 4-byte slot.
  c.label('handler');
  c.word(csrrs(TMP, CSR.mcause, 0));
  c.word(addi(TMP, TMP, -8));
  c.to('skip', blt(TMP, 0));
  c.word(addi(TMP, TMP, -4));
  c.to('skip', bge(TMP, 0));
  c.word(addi(PHASE_REG, PHASE_REG, 1));
  c.to('next', j);
  c.label('skip');
  c.word(csrrs(TMP, CSR.mepc, 0));
  c.word(addi(TMP, TMP, 4));
  c.word(csrrw(0, CSR.mepc, TMP));
  c.word(MRET);

  // Next phase: phase mod 3 is the mode (0 M bare, 1 S under Sv57, 2 U); after 3 * rounds
  // sweeps, pass to the test finisher.
  c.label('next');
  c.word(addi(TMP, 0, 3 * rounds));
  c.to('continue', blt(PHASE_REG, TMP));
  c.word(lui(TMP, TEST_FINISHER_BASE >>> 12));
  c.word(lui(T5, 5));
  c.word(addi(T5, T5, 0x555));
  c.word(sw(T5, TMP, 0));
  c.label('spin');
  c.to('spin', j);
  c.label('continue');
  // mstatus.TW and TSR flipped at every phase: S-mode has them in every other round.
  c.word(lui(T6, MSTATUS_TW_TSR_UPPER));
  c.word(csrrs(T5, CSR.mstatus, 0));
  c.word(xor(T5, T5, T6));
  c.word(csrrw(0, CSR.mstatus, T5));
  c.word(lui(TMP, 2)); // mstatus.MPP (0x1800) cleared
  c.word(addi(TMP, TMP, -0x800));
  c.word(csrrc(0, CSR.mstatus, TMP));
  c.address(TMP, 'sweep');
  c.word(csrrw(0, CSR.mepc, TMP));
  c.address(DATA_REG, 'data');
  c.word(addi(SP, DATA_REG, -0x400));
  // TMP = phase mod 3
  c.word(addi(TMP, PHASE_REG, 0));
  c.word(addi(T6, 0, 3));
  c.label('mod');
  c.to('moded', blt(TMP, T6));
  c.word(addi(TMP, TMP, -3));
  c.to('mod', j);
  c.label('moded');
  c.to('paged', bne(TMP, 0));
  // M: a wfi with a software interrupt pending and enabled but not taken (mstatus.MIE clear): it
  // goes on at once. Raised and cleared through the CLINT, before the sweep.
  c.word(addi(T6, 0, MIE_MSIE));
  c.word(csrrs(0, CSR.mie, T6));
  c.word(lui(T5, CLINT_BASE >>> 12));
  c.word(addi(T6, 0, 1));
  c.word(sw(T6, T5, 0));
  c.word(WFI);
  c.word(sw(0, T5, 0));
  c.word(addi(T6, 0, MIE_MSIE));
  c.word(csrrc(0, CSR.mie, T6));
  c.word(lui(TMP, 2)); // MPP = 3, no translation
  c.word(addi(TMP, TMP, -0x800));
  c.word(csrrs(0, CSR.mstatus, TMP));
  c.word(csrrw(0, CSR.satp, 0));
  c.word(MRET);
  c.label('paged');
  // S and U enter the sweep through its prologue (sret and wfi, illegal there: see below).
  c.address(T5, 'prologue'); // (TMP holds the mode)
  c.word(csrrw(0, CSR.mepc, T5));
  c.word(addi(T5, 0, 10)); // satp = Sv57 | root
  c.word(slli(T5, T5, 60));
  c.address(T6, 'top');
  c.word(srli(T6, T6, 12));
  c.word(or(T5, T5, T6));
  c.word(csrrw(0, CSR.satp, T5));
  c.word(addi(T6, 0, 1));
  c.to('user', bne(TMP, T6));
  c.word(lui(TMP, 1)); // S: MPP = 1 (0x800)
  c.word(srli(TMP, TMP, 1));
  c.word(csrrs(0, CSR.mstatus, TMP));
  c.word(addi(T5, 0, 1)); // code: 2^32 lower (the kernel image's mapping)
  c.word(slli(T5, T5, 32));
  c.word(csrrs(TMP, CSR.mepc, 0));
  c.word(sub(TMP, TMP, T5));
  c.word(csrrw(0, CSR.mepc, TMP));
  c.word(addi(T5, 0, LINEAR_OFFSET_SHIFTED)); // data: through the linear map
  c.word(slli(T5, T5, 52));
  c.word(add(DATA_REG, DATA_REG, T5));
  c.word(add(SP, SP, T5));
  c.word(MRET);
  c.label('user'); // U: MPP = 0; the sweep and the data through the user gigapage
  c.word(addi(T5, 0, USER_VA / 2 ** 36)); // T5 = USER_VA - RAM_BASE
  c.word(slli(T5, T5, 36));
  c.word(lui(T6, 0x80000)); // -RAM_BASE (sign-extended)
  c.word(add(T5, T5, T6));
  c.word(csrrs(TMP, CSR.mepc, 0));
  c.word(add(TMP, TMP, T5));
  c.word(csrrw(0, CSR.mepc, TMP));
  c.word(add(DATA_REG, DATA_REG, T5));
  c.word(add(SP, SP, T5));
  c.word(MRET);

  // M-mode start: the handler, FS on (Initial), the UART pointer; enter phase 0.
  c.label('start');
  c.address(TMP, 'handler');
  c.word(csrrw(0, CSR.mtvec, TMP));
  c.word(lui(TMP, 2)); // mstatus.FS = Initial (bit 13)
  c.word(csrrs(0, CSR.mstatus, TMP));
  c.word(lui(MMIO_REG, UART0_BASE >>> 12));
  // As OpenSBI leaves them for Linux: counters and stimecmp open to S-mode (mcounteren), Sstc on
  // (menvcfg.STCE, bit 63: a CSR value above 2^63 - 1 is what the CSR code then meets).
  c.word(addi(TMP, 0, -1));
  c.word(csrrw(0, CSR.mcounteren, TMP));
  c.word(slli(TMP, TMP, 63));
  c.word(csrrs(0, CSR.menvcfg, TMP));
  c.word(lui(TMP, MSTATUS_TW_TSR_UPPER)); // mstatus.TW and TSR: wfi and sret trap below M
  c.word(csrrs(0, CSR.mstatus, TMP));
  c.word(addi(TMP, 0, SIP_SSIP)); // supervisor software interrupts delegated (the prologue's wfi)
  c.word(csrrs(0, CSR.mideleg, TMP));
  c.word(addi(TMP, 0, 0x80)); // menvcfg.CBZE: cbo.zero allowed below M (OpenSBI sets it too)
  c.word(csrrs(0, CSR.menvcfg, TMP));
  // PMP as OpenSBI leaves it: entry 0 the handler's page, closed to S and U; entry 1 the low
  // 4 GiB (devices and RAM), open. Every S/U access then goes through the entries' range checks,
  // as in a Linux guest (and the sweep loads beyond them: emitEdgeCases).
  c.word(lui(TMP, (RAM_BASE >>> 2) >>> 12)); // NAPOT of the 4 KiB at RAM_BASE
  c.word(addi(TMP, TMP, 0x1ff));
  c.word(csrrw(0, CSR.pmpaddr0, TMP));
  c.word(lui(TMP, 0x20000)); // NAPOT of [0, 4 GiB): 2^32 / 8 - 1
  c.word(addi(TMP, TMP, -1));
  c.word(csrrw(0, CSR.pmpaddr1, TMP));
  c.word(lui(TMP, 2)); // pmpcfg0: entry 1 NAPOT|RWX (0x1f), entry 0 NAPOT (0x18)
  c.word(addi(TMP, TMP, 0x1f18 - 0x2000));
  c.word(csrrw(0, CSR.pmpcfg0, TMP));
  c.word(addi(PHASE_REG, 0, 0));
  c.to('next', j);
  if (c.at > SWEEP) throw new Error('warm-up handler overflows its page');

  // The sweep: every table row, then the compressed forms, then ecall.
  c.at = SWEEP;
  c.label('sweep');
  for (const p of INSTRUCTIONS) emitRow(c, p, pick);
  c.label('compressed');
  emitCompressed(c, pick);
  c.label('csrs');
  emitCsrSweep(c);
  c.label('edges');
  emitEdgeCases(c);
  // The sweep's last instruction straddles its page and the next (the fetch's slow path).
  c.to('straddle', j);
  // S and U start here: a wfi and an sret that trap (in S in the rounds with mstatus.TSR and TW,
  // always in U) and are skipped, or run in S. Both were otherwise first met in a guest (M-mode
  // runs neither here: an sret would leave the sweep).
  c.label('prologue');
  // A wfi with a delegated supervisor software interrupt pending and enabled but not taken
  // (sstatus.SIE clear): in S without TW it goes on at once. Then an sret to S-mode (SPP set),
  // to the instruction after it. Every CSR access here is illegal in U.
  c.word(addi(T6, 0, SSTATUS_SIE));
  c.word(csrrc(0, CSR.sstatus, T6));
  c.word(addi(T6, 0, SIP_SSIP));
  c.word(csrrs(0, CSR.sie, T6));
  c.word(csrrs(0, CSR.sip, T6));
  c.word(WFI);
  c.word(csrrc(0, CSR.sip, T6));
  c.word(csrrc(0, CSR.sie, T6));
  c.word(auipc(T5, 0));
  c.word(addi(T5, T5, 24)); // the instruction after the sret (auipc + 24)
  c.word(csrrw(0, CSR.sepc, T5));
  c.word(addi(T6, 0, SSTATUS_SPP));
  c.word(csrrs(0, CSR.sstatus, T6));
  c.word(SRET);
  c.to('sweep', j);
  if (c.at > SWEEP + 0xffe) throw new Error('warm-up sweep overflows its page');
  c.at = SWEEP + 0xffe;
  c.label('straddle');
  c.word(addi(T5, T5, 1));
  c.word(ECALL);
  if (c.at > DATA) throw new Error('warm-up sweep overflows its pages');
  c.at = DATA + 0x800;
  c.label('data');
  c.at = TOP;
  c.label('top');
  c.resolve();

  // The gigapages (Sv57 level 2): VA 0 (devices, supervisor), VA 2 GiB (RAM, supervisor, and the
  // linear map's), VA 4 GiB (beyond RAM and the PMP entries) and the kernel image's in one table,
  // USER_VA's (RAM, user) in another.
  const [V, R, W, X, U, A, D] = [1n, 2n, 4n, 8n, 16n, 64n, 128n];
  const ram = BigInt(RAM_BASE / 4096) << 10n;
  c.dword(ROOT + 0, V | R | W | A | D);
  // The user gigapage without accessed and dirty: the first walks through it set them (the walk's
  // write-back path, which Linux's page tables take).
  c.dword(USER_L2 + ((USER_VA / 2 ** 30) % 512) * 8, ram | V | R | W | X | U);
  c.dword(ROOT + 16, ram | V | R | W | X | A | D);
  c.dword(ROOT + 32, (BigInt(2 ** 32 / 4096) << 10n) | V | R | W | A | D); // 4 GiB: nothing there
  c.dword(ROOT + 510 * 8, ram | V | R | W | X | A | D); // bits 38:30 of 0xffffffff80000000
  // The levels above (Sv57 4 and 3): the low half and the linear map (bits 56:48 = 0x160) share
  // a level 3 whose first entry is the gigapages' table; the top of the address space (the
  // kernel image) has its own, whose last entry is.
  const table = (offset: number) => (BigInt((RAM_BASE + offset) / 4096) << 10n) | V;
  c.dword(TOP + 0, table(LOW_L3));
  c.dword(TOP + 0x160 * 8, table(LOW_L3));
  c.dword(TOP + 511 * 8, table(KERNEL_L3));
  c.dword(LOW_L3 + 0, table(ROOT));
  c.dword(LOW_L3 + (Math.floor(USER_VA / 2 ** 39) % 512) * 8, table(USER_L2));
  c.dword(KERNEL_L3 + 511 * 8, table(ROOT));
  return { bytes: c.bytes, sections: SECTIONS.map((label) => c.offsetOf(label) - SWEEP) };
}

/** Rounds of trainDecoder over the sweep's instructions (~1,000 a round). */
export const DECODER_TRAINING_ROUNDS = 4;

/**
 * The instruction words of the sweep's page in order (compressed ones as their 16 bits), for
 * training the decoder (cpu/decoder.ts trainDecoder); from `program` when the caller has made
 * one (the sweep is the same whatever the rounds).
 */
export function sweepInstructionWords(program: Uint8Array = warmUpProgram(1)): number[] {
  return instructionWords(program.subarray(SWEEP, SWEEP + 4096));
}

/** The instruction words of a page of code in order, from its start (compressed ones as 16 bits). */
export function instructionWords(page: Uint8Array): number[] {
  const words: number[] = [];
  for (let at = 0; at + 1 < page.length;) {
    const low = page[at] | (page[at + 1] << 8);
    if ((low & 3) !== 3) {
      words.push(low);
      at += 2;
    } else {
      if (at + 3 >= page.length) break;
      words.push((low | (page[at + 2] << 16) | (page[at + 3] << 24)) >>> 0);
      at += 4;
    }
  }
  return words;
}

/**
 * The sweep's page of the training program (for the worker), with the next page's first halfword
 * as the JIT sends a page (jit.ts), so that the instruction straddling the two is translated (a
 * path the translator otherwise first met in the guest); and the offsets its sections start at
 * (the rows, the compressed forms, the CSRs, the edge cases, S and U's prologue, the straddling
 * instruction), each worth an entry of its own: the sweep has more blocks than a translation
 * takes (translate.ts DEFAULT_LIMITS), and its traps end the flow, so discovery from the start
 * covered only the first ~550 of its ~1,600 instructions (the CSR sweep's rdtime, the inline
 * sstatus writes and the edge cases never).
 */
export function warmUpSweepPage(): { code: Uint8Array; entry: number; sections: number[] } {
  const { bytes, sections } = buildProgram(1);
  return { code: bytes.slice(SWEEP, SWEEP + 4098), entry: 0, sections };
}
