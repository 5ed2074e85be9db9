// One RISC-V hart: architectural state, trap entry and interrupt selection. Instruction execution
// lives in interpreter.ts/execute-*.ts, CSR access in csr.ts, address translation in mmu.ts.

import type { Bus } from '../bus.js';
import type { GuestRam } from '../memory.js';
import { FloatUnit } from './fpu/float-unit.js';
import { FloatRegisterFile, IntRegisterFile } from './registers.js';
import { DecodeCache } from './decoder.js';
import { Pmp } from './pmp.js';
import {
  ALL_INTERRUPTS,
  IRQ_MEI,
  IRQ_MSI,
  IRQ_MTI,
  IRQ_SEI,
  IRQ_SSI,
  IRQ_STI,
  MENVCFG_STCE,
  MIP_STIP,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_FS,
  ENVCFG_CBZE,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_SUM,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './csr-numbers.js';

import { FILL_LOG_ENTRIES, TLB_ENTRIES, TLB_SETS } from './tlb-size.js';
import { HART_STATE, type HartStateBlock } from './hart-state.js';
import { DOUBLE_ZERO } from './int64.js';

export { TLB_ENTRIES, TLB_SETS };

/** Slots of Hart.superpageRanges (32 superpages, two page numbers each). */
const SUPERPAGE_SLOTS = 64;

/** misa: RV64 (MXL=2) with A, C, D, F, I, M, S, U. */
export const MISA = (2n << 62n) | 0x14112dn;

/** Interrupt causes in the priority order of privileged spec 3.1.9. */
const INTERRUPT_PRIORITY = [IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI];

export interface HartOptions {
  id: number;
  ram: GuestRam;
  bus: Bus;
  /** The machine's time in timebase ticks (the `time` CSR and Sstc comparisons). */
  clock: TimeSource;
  /** Shared across the harts of a machine (decoding is a pure function of the bits). */
  decodeCache?: DecodeCache;
  /**
   * Where registers and TLB live (default: a private buffer); see hart-state.ts. All zeros, as a
   * new WebAssembly.Memory or ArrayBuffer is: the TLB is not cleared beyond that (emptyFreshTlb).
   */
  state?: HartStateBlock;
}

/**
 * What a hart reads the time from. An object with a method rather than a closure: the Machine
 * itself, so that the call is the same method for every machine of a process, V8's training
 * machine included (a closure per machine made the optimized CSR code deoptimize, "wrong call
 * target", at the guest's first time read).
 */
export interface TimeSource {
  ticks(): number;
}

export class Hart {
  readonly id: number;
  readonly ram: GuestRam;
  readonly bus: Bus;
  readonly clock: TimeSource;
  readonly decode: DecodeCache;

  /** The state block holding registers, TLB and the JIT exit record. */
  readonly state: HartStateBlock;
  readonly regs: IntRegisterFile;
  readonly fregs: FloatRegisterFile;
  /** The JIT's exit record (HART_STATE.EXIT_PC as two words, see readExitPc; EXIT_KIND). */
  readonly exitPc: Int32Array;
  readonly exitKind: Int32Array;
  readonly fpu: FloatUnit;
  readonly pmp = new Pmp();

  /** Program counter: the 64-bit value as a signed number (exact within ±2^53). */
  pc = 0x80000000;
  priv = PRIV_M;

  // Machine-level CSRs. mstatus keeps its low 32 bits, in the state block (HART_STATE.MSTATUS);
  // UXL/SXL/SD are composed on read. Its FS field is mirrored for translated code
  // (HART_STATE.FS_DIRTY).
  private readonly mstatusWord: Int32Array;
  private readonly fsDirty: Int32Array;
  private readonly cboZeroOk: Int32Array;
  /** HART_STATE.S_INTERRUPTS (see updateInterruptSummary). */
  private readonly sInterrupts: Int32Array;
  /** HART_STATE.FETCH_SET: fetchSet, mirrored for translated code. */
  private readonly fetchSetWord: Int32Array;
  get mstatus(): number {
    return this.mstatusWord[0];
  }
  set mstatus(value: number) {
    this.mstatusWord[0] = value;
    this.fsDirty[0] = (value & MSTATUS_FS) === MSTATUS_FS ? 1 : 0;
  }
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  /** mip bits driven by devices (MSIP, MTIP, MEIP, external SEIP) and by Sstc (STIP). */
  mipHardware = 0;
  /** mip bits written by software (SSIP, STIP without Sstc, SEIP). */
  mipSoftware = 0;
  mtvec = 0n;
  stvec = 0n;
  mepc = 0n;
  sepc = 0n;
  mtval = 0n;
  stval = 0n;
  mcause = 0n;
  scause = 0n;
  mscratch = 0n;
  sscratch = 0n;
  mcounteren = 0;
  scounteren = 0;
  menvcfg = 0n;
  senvcfg = 0n;
  /** Sstc comparator, and as a number for quick comparisons with time. */
  stimecmp = -1n;
  stimecmpNumber = Infinity;
  satp = 0n;
  /** Decoded satp: mode (0 bare, 8/9/10 = Sv39/48/57) and root table physical address. */
  satpMode = 0;
  // Fields starting at DOUBLE_ZERO later hold numbers beyond int32 (see int64.ts).
  satpRoot = DOUBLE_ZERO;

  /** Instructions retired before the current slice (minstret minus the write offset). */
  instret = DOUBLE_ZERO;
  /** Added to the retired count to form minstret/mcycle (written values). */
  instretOffset = 0n;
  cycleOffset = 0n;
  /** mcountinhibit, and the counter values held while CY/IR inhibit counting. */
  mcountinhibit = DOUBLE_ZERO;
  cycleFrozen = 0n;
  instretFrozen = 0n;

  // LR reservation: the virtual address (as halves) and the value LR observed. Kept in the state
  // block, where translated code (src/engine/jit) performs LR/SC too.
  private readonly reservation32: Int32Array;
  private readonly reservation64: BigInt64Array;
  get reservationValid(): boolean {
    return this.reservation32[0] !== 0;
  }
  set reservationValid(valid: boolean) {
    this.reservation32[0] = valid ? 1 : 0;
  }
  get reservationLo(): number {
    return this.reservation32[1] >>> 0;
  }
  set reservationLo(lo: number) {
    this.reservation32[1] = lo;
  }
  get reservationHi(): number {
    return this.reservation32[2];
  }
  set reservationHi(hi: number) {
    this.reservation32[2] = hi;
  }
  get reservationValue(): bigint {
    return this.reservation64[0];
  }
  set reservationValue(value: bigint) {
    this.reservation64[0] = value;
  }

  /** Set by wfi until an interrupt becomes pending. */
  waiting = false;

  // Bookkeeping of the running slice (see interpreter.ts).
  sliceBudget = 0;
  sliceRemaining = 0;
  sliceTraps = 0;
  /**
   * Request to end the current slice after this instruction. runSlice (and the JIT's) return
   * right after the instruction that set it, leaving it set: callers running a slice in pieces
   * see from it that the slice ended early.
   */
  endSlice = false;

  // Address-translation caches (mmu.ts).
  // Tags are virtual page numbers (NaN = empty), offsets the RAM offset of the page.
  readonly tlbReadTag: Float64Array;
  readonly tlbReadOffset: Int32Array;
  readonly tlbWriteTag: Float64Array;
  readonly tlbWriteOffset: Int32Array;
  readonly tlbExecTag: Float64Array;
  readonly tlbExecOffset: Int32Array;
  /** HART_STATE.TLB_READ_JIT / TLB_WRITE_JIT as i32 words, four per entry; see setDataTag. */
  readonly tlbReadJit: Int32Array;
  readonly tlbWriteJit: Int32Array;
  /**
   * By RAM page: 1 when a write TLB entry may map the page. Set on every fill; cleared by whoever
   * drops all of the page's write entries (the JIT, protecting a page it translated, looks for
   * them only for pages written through it: dropWriteEntries).
   */
  readonly writeMapped: Uint8Array;
  /** First entry of the TLB set for data accesses / instruction fetch in the current context. */
  dataSet = 3 * TLB_ENTRIES;
  fetchSet = 3 * TLB_ENTRIES;
  /** Last fetched page (virtual page base) and its RAM offset. */
  fetchPage = NaN;
  fetchOffset = 0;

  /** An effective address as halves (low 32 bits unsigned, high 32 bits signed); see mmu.ts. */
  addressLo = DOUBLE_ZERO;
  addressHi = 0;
  /**
   * Set by the last successful translation (mmu.ts translate): whether a store through it would
   * need no walk of its own (no paging, or a leaf with W and D set), so that a load's walk can fill
   * the write TLB too.
   */
  walkWritable = false;

  /** Scratch 8 bytes for moving 64-bit values between typed views without BigInt conversions. */
  readonly scratch = new BigInt64Array(1);
  readonly scratch32 = new Int32Array(this.scratch.buffer);

  constructor(options: HartOptions) {
    this.id = options.id;
    this.ram = options.ram;
    this.bus = options.bus;
    this.clock = options.clock;
    this.decode = options.decodeCache ?? new DecodeCache();
    const state = options.state ?? { buffer: new ArrayBuffer(HART_STATE.SIZE), offset: 0 };
    this.state = state;
    const { buffer, offset } = state;
    const n = TLB_SETS * TLB_ENTRIES;
    this.regs = new IntRegisterFile(buffer, offset + HART_STATE.INT_REGS);
    this.fregs = new FloatRegisterFile(buffer, offset + HART_STATE.FLOAT_REGS);
    this.exitPc = new Int32Array(buffer, offset + HART_STATE.EXIT_PC, 2);
    this.exitKind = new Int32Array(buffer, offset + HART_STATE.EXIT_KIND, 1);
    this.reservation32 = new Int32Array(buffer, offset + HART_STATE.RES_VALID, 3);
    this.fsDirty = new Int32Array(buffer, offset + HART_STATE.FS_DIRTY, 1);
    this.mstatusWord = new Int32Array(buffer, offset + HART_STATE.MSTATUS, 1);
    this.cboZeroOk = new Int32Array(buffer, offset + HART_STATE.CBO_ZERO_OK, 1);
    this.sInterrupts = new Int32Array(buffer, offset + HART_STATE.S_INTERRUPTS, 1);
    this.fetchSetWord = new Int32Array(buffer, offset + HART_STATE.FETCH_SET, 1);
    // Meaningful where RAM shares the state's memory, the only case translated code runs in.
    new Int32Array(buffer, offset + HART_STATE.RAM_OFFSET, 1)[0] = this.ram.byteOffset;
    this.reservation64 = new BigInt64Array(buffer, offset + HART_STATE.RES_VALUE, 1);
    this.tlbReadTag = new Float64Array(buffer, offset + HART_STATE.TLB_READ_TAG, n);
    this.tlbWriteTag = new Float64Array(buffer, offset + HART_STATE.TLB_WRITE_TAG, n);
    this.tlbExecTag = new Float64Array(buffer, offset + HART_STATE.TLB_EXEC_TAG, n);
    this.tlbReadOffset = new Int32Array(buffer, offset + HART_STATE.TLB_READ_OFFSET, n);
    this.tlbWriteOffset = new Int32Array(buffer, offset + HART_STATE.TLB_WRITE_OFFSET, n);
    this.tlbExecOffset = new Int32Array(buffer, offset + HART_STATE.TLB_EXEC_OFFSET, n);
    this.tlbReadJit = new Int32Array(buffer, offset + HART_STATE.TLB_READ_JIT, 4 * n);
    this.tlbWriteJit = new Int32Array(buffer, offset + HART_STATE.TLB_WRITE_JIT, 4 * n);
    this.emptyFreshTlb();
    this.writeMapped = new Uint8Array(Math.ceil(this.ram.size / 4096));
    this.fpu = new FloatUnit(this.fregs, new Int32Array(buffer, offset + HART_STATE.FP_CONTROL, 2));
    this.pmp.onChange = () => this.flushTranslations();
    this.updateTranslationContext();
  }

  /** Machine time in timebase ticks. */
  readTime(): number {
    return this.clock.ticks();
  }

  /**
   * Make the TLB of a fresh (all-zero) state block empty. An entry is empty when no page can match
   * it: a NaN tag (the -1 page address in the JIT's views), or, as a fresh block has them, a zero
   * tag at an index other than 0 of its set: entries are direct-mapped (index = page number mod
   * TLB_ENTRIES), so the only page whose number (or virtual address) is 0 has index 0. Only
   * index 0 of each set is written, then: filling all 3.5 MB of TLB with NaN and -1 faulted in
   * ~900 pages of the WebAssembly memory per hart, ~12 ms of each machine's start (the V8 training
   * machine's and every VM's harts). A flush writes the NaN form; the first one beyond the fill
   * log touches every page (rvisor run has the prefault worker touch them first).
   */
  private emptyFreshTlb(): void {
    for (let set = 0; set < TLB_SETS; set++) {
      const i = set * TLB_ENTRIES;
      this.tlbReadTag[i] = this.tlbWriteTag[i] = this.tlbExecTag[i] = NaN;
      this.tlbReadJit[4 * i] = this.tlbReadJit[4 * i + 1] = -1;
      this.tlbWriteJit[4 * i] = this.tlbWriteJit[4 * i + 1] = -1;
    }
  }

  /** Reset to the state at power-on: M-mode at `pc`, registers cleared. */
  reset(pc: number): void {
    this.regs.x.fill(0n);
    this.fregs.bits.fill(0n);
    this.fpu.fflags = 0;
    this.fpu.frm = 0;
    this.pc = pc;
    this.priv = PRIV_M;
    this.mstatus = 0;
    this.medeleg = 0;
    this.mideleg = 0;
    this.mie = 0;
    this.mipSoftware = 0;
    this.mipHardware &= ~MIP_STIP;
    this.mtvec = this.stvec = this.mepc = this.sepc = this.mtval = this.stval = 0n;
    this.mcause = this.scause = this.mscratch = this.sscratch = 0n;
    this.mcounteren = this.scounteren = 0;
    this.mcountinhibit = 0;
    this.menvcfg = this.senvcfg = 0n;
    this.stimecmp = -1n;
    this.stimecmpNumber = Infinity;
    this.satp = 0n;
    this.satpMode = 0;
    this.satpRoot = 0;
    this.reservationValid = false;
    this.waiting = false;
    this.pmp.cfg.fill(0);
    this.pmp.addr.fill(0n);
    this.pmp.writeCfg(0, 0n);
    this.flushTranslations();
    this.updateTranslationContext();
    this.updateInterruptSummary();
  }

  // ---- Interrupt lines (devices call these through InterruptSink) ----

  setInterruptPending(bit: number, level: boolean): void {
    const mask = 1 << bit;
    const before = this.mipHardware;
    this.mipHardware = level ? before | mask : before & ~mask;
    if (this.mipHardware !== before) {
      this.endSlice = true;
      this.updateInterruptSummary();
    }
  }

  /**
   * Record whether an interrupt delegated to S is pending and enabled, for mstatusChanged and
   * translated code. Called whenever mip, mie, mideleg or menvcfg may have changed (device lines
   * here, CSR writes in csr.ts, reset).
   */
  updateInterruptSummary(): void {
    this.sInterrupts[0] = (this.mip & this.mie & this.mideleg) !== 0 ? 1 : 0;
  }

  /** The architectural mip value. */
  get mip(): number {
    let sw = this.mipSoftware;
    // With Sstc enabled, STIP reflects stimecmp only (Sstc spec 2.1).
    if ((this.menvcfg & MENVCFG_STCE) !== 0n) sw &= ~MIP_STIP;
    return (this.mipHardware | sw) & ALL_INTERRUPTS;
  }

  /** Re-evaluate the Sstc timer; called when time advances and when stimecmp/menvcfg change. */
  updateSupervisorTimer(): void {
    const on = (this.menvcfg & MENVCFG_STCE) !== 0n && this.readTime() >= this.stimecmpNumber;
    this.setInterruptPending(IRQ_STI, on);
  }

  /** Earliest time (ticks) at which this hart's Sstc timer fires, Infinity if none. */
  supervisorTimerDeadline(): number {
    return (this.menvcfg & MENVCFG_STCE) !== 0n ? this.stimecmpNumber : Infinity;
  }

  /**
   * The interrupt to take now, or -1. Privileged spec 3.1.6.1: an interrupt i traps to M if it is
   * pending and enabled in mie, not delegated, and (priv < M or MIE); a delegated one traps to S if
   * (priv < S or (priv == S and SIE)); delegated interrupts are never taken in M-mode.
   */
  pendingInterrupt(): number {
    const pending = this.mip & this.mie;
    if (pending === 0) return -1;
    const mEnabled = this.priv < PRIV_M || (this.mstatus & MSTATUS_MIE) !== 0;
    const sEnabled = this.priv < PRIV_S || (this.priv === PRIV_S && (this.mstatus & MSTATUS_SIE) !== 0);
    let candidates = 0;
    if (mEnabled) candidates |= pending & ~this.mideleg;
    if (sEnabled) candidates |= pending & this.mideleg;
    if (candidates === 0) return -1;
    for (const irq of INTERRUPT_PRIORITY) if ((candidates & (1 << irq)) !== 0) return irq;
    return -1;
  }

  /** Take an interrupt if one is ready; true if taken. */
  checkInterrupts(): boolean {
    const irq = this.pendingInterrupt();
    if (irq < 0) return false;
    this.waiting = false;
    this.enterTrap(irq, true, 0n);
    return true;
  }

  // ---- Traps ----

  /** Raise a synchronous exception for the instruction at this.pc. */
  raiseException(cause: number, tval: bigint | number): void {
    this.sliceTraps++;
    this.enterTrap(cause, false, typeof tval === 'bigint' ? tval : BigInt(tval));
  }

  /** Trap entry, privileged spec 3.1.6.1 / 3.3.1 and 10.1 (S-mode). */
  private enterTrap(cause: number, interrupt: boolean, tval: bigint): void {
    const from = this.priv;
    const delegated = interrupt ? (this.mideleg >> cause) & 1 : (this.medeleg >> cause) & 1;
    const pc = BigInt(this.pc);
    const causeValue = interrupt ? (1n << 63n) | BigInt(cause) : BigInt(cause);
    let status = this.mstatus;
    let vector: bigint;
    if (from <= PRIV_S && delegated !== 0) {
      this.scause = causeValue;
      this.sepc = BigInt.asIntN(64, pc);
      this.stval = tval;
      status = (status & ~MSTATUS_SPIE) | ((status & MSTATUS_SIE) !== 0 ? MSTATUS_SPIE : 0);
      status = (status & ~MSTATUS_SPP) | (from === PRIV_S ? MSTATUS_SPP : 0);
      status &= ~MSTATUS_SIE;
      this.priv = PRIV_S;
      vector = this.stvec;
    } else {
      this.mcause = causeValue;
      this.mepc = BigInt.asIntN(64, pc);
      this.mtval = tval;
      status = (status & ~MSTATUS_MPIE) | ((status & MSTATUS_MIE) !== 0 ? MSTATUS_MPIE : 0);
      status = (status & ~MSTATUS_MPP) | (from << MSTATUS_MPP_SHIFT);
      status &= ~MSTATUS_MIE;
      this.priv = PRIV_M;
      vector = this.mtvec;
    }
    this.mstatus = status;
    // xtvec MODE 1 (vectored): interrupts go to BASE + 4*cause (privileged spec 3.1.7).
    let target = vector & ~3n;
    if (interrupt && (vector & 3n) === 1n) target += BigInt(4 * cause);
    this.pc = Number(BigInt.asIntN(64, target));
    this.updateTranslationContext();
  }

  /** mret (privileged spec 3.3.2). */
  returnFromMachine(): void {
    let status = this.mstatus;
    const target = (status & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    status = (status & ~MSTATUS_MIE) | ((status & MSTATUS_MPIE) !== 0 ? MSTATUS_MIE : 0);
    status |= MSTATUS_MPIE;
    status &= ~MSTATUS_MPP; // MPP <- U
    if (target !== PRIV_M) status &= ~MSTATUS_MPRV;
    this.mstatus = status;
    this.priv = target;
    this.pc = Number(this.mepc);
    this.updateTranslationContext();
  }

  /** sret. */
  returnFromSupervisor(): void {
    let status = this.mstatus;
    const target = (status & MSTATUS_SPP) !== 0 ? PRIV_S : PRIV_U;
    status = (status & ~MSTATUS_SIE) | ((status & MSTATUS_SPIE) !== 0 ? MSTATUS_SIE : 0);
    status |= MSTATUS_SPIE;
    status &= ~MSTATUS_SPP;
    status &= ~MSTATUS_MPRV;
    this.mstatus = status;
    this.priv = target;
    this.pc = Number(this.sepc);
    this.updateTranslationContext();
  }

  // ---- Translation context ----

  /** Effective privilege for loads and stores (MPRV, privileged spec 3.1.6.3). */
  get dataPrivilege(): number {
    if (this.priv === PRIV_M && (this.mstatus & MSTATUS_MPRV) !== 0) {
      return (this.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    return this.priv;
  }

  private static setFor(priv: number, sum: boolean): number {
    if (priv === PRIV_M) return 3 * TLB_ENTRIES;
    if (priv === PRIV_U) return 0;
    return (sum ? 2 : 1) * TLB_ENTRIES;
  }

  /** Recompute which TLB sets apply after a change of privilege or mstatus. */
  updateTranslationContext(): void {
    // Zicboz: CBO.ZERO below M needs menvcfg.CBZE, and in U also senvcfg.CBZE (mirrored for
    // translated code; envcfg writes call this too).
    const zeroOk =
      this.priv === PRIV_M ||
      ((this.menvcfg & ENVCFG_CBZE) !== 0n && (this.priv === PRIV_S || (this.senvcfg & ENVCFG_CBZE) !== 0n));
    this.cboZeroOk[0] = zeroOk ? 1 : 0;
    const sum = (this.mstatus & MSTATUS_SUM) !== 0;
    this.dataSet = Hart.setFor(this.dataPrivilege, sum);
    this.fetchSet = Hart.setFor(this.priv, false);
    this.fetchSetWord[0] = this.fetchSet;
    this.fetchPage = NaN;
    this.endSlice = true;
  }

  /**
   * Drop the cached translations of one virtual page (sfence.vma with an address), in every
   * set and for every access kind. Returns true when that meant dropping everything.
   */
  flushPage(vpn: number): boolean {
    // Superpages are cached as separate 4 KiB entries: flushing the whole superpage would mean
    // finding all of them, so an address inside any cached superpage flushes everything.
    const ranges = this.superpageRanges;
    if (this.superpageOverflow) {
      this.flushTranslations();
      return true;
    }
    for (let k = 0; k < this.superpageCount; k += 2) {
      if (vpn >= ranges[k] && vpn < ranges[k + 1]) {
        this.flushTranslations();
        return true;
      }
    }
    const index = vpn & (TLB_ENTRIES - 1);
    for (let set = 0; set < TLB_SETS; set++) {
      const i = set * TLB_ENTRIES + index;
      if (this.tlbReadTag[i] === vpn) this.clearDataTag(this.tlbReadTag, this.tlbReadJit, i);
      if (this.tlbWriteTag[i] === vpn) this.clearDataTag(this.tlbWriteTag, this.tlbWriteJit, i);
      if (this.tlbExecTag[i] === vpn) this.tlbExecTag[i] = NaN;
    }
    this.fetchPage = NaN;
    return false;
  }

  /**
   * Set data TLB entry i of `tags`/`jit` to virtual page number `vpn` at RAM offset `offset`
   * (the caller sets the interpreter's offset array).
   */
  setDataTag(tags: Float64Array, jit: Int32Array, i: number, vpn: number, offset: number): void {
    tags[i] = vpn;
    // The page's address as 64-bit halves: (vpn mod 2^20) << 12, and vpn / 2^20 (signed).
    const high = Math.floor(vpn / 1048576);
    const low = (vpn - high * 1048576) * 4096;
    jit[4 * i] = low;
    jit[4 * i + 1] = high;
    jit[4 * i + 2] = (this.ram.byteOffset + offset - low) | 0;
  }

  /** Empty data TLB entry i of `tags`/`jit`. */
  clearDataTag(tags: Float64Array, jit: Int32Array, i: number): void {
    tags[i] = NaN;
    jit[4 * i] = -1;
    jit[4 * i + 1] = -1;
  }

  /**
   * Page-number ranges [start, end) of superpages with cached entries (see flushPage), in the
   * first superpageCount slots. A typed array: kernel page numbers exceed V8's small integers, and
   * a JS array of them changed its elements kind under optimized code (a deopt of the MMU's walk).
   */
  readonly superpageRanges = new Float64Array(SUPERPAGE_SLOTS);
  superpageCount = 0;
  superpageOverflow = false;

  /** Note that entries of the superpage [start, end) (page numbers) may be cached. */
  noteSuperpage(start: number, end: number): void {
    const ranges = this.superpageRanges;
    for (let k = 0; k < this.superpageCount; k += 2) if (ranges[k] === start) return;
    if (this.superpageCount >= SUPERPAGE_SLOTS) {
      this.superpageOverflow = true;
      return;
    }
    ranges[this.superpageCount] = start;
    ranges[this.superpageCount + 1] = end;
    this.superpageCount += 2;
  }

  /**
   * TLB entries filled since the last flush (indices into the TLB arrays), so that a flush
   * clears those instead of all of the TLBs: a Debian boot flushes everything ~1,800 times (each
   * remote or local sfence.vma without an address), typically after a few hundred fills, and
   * clearing all entries' tags (then 16K, ~900 KB) took ~110 us a time. `filledCount` keeps
   * counting past the log's end; then the flush clears everything.
   */
  private readonly filled = new Int32Array(FILL_LOG_ENTRIES);
  private filledCount = 0;

  /** TLB entry i (in any of the TLBs) was filled (mmu.ts fillTlb): the next flush clears it. */
  noteFilled(i: number): void {
    if (this.filledCount < FILL_LOG_ENTRIES) this.filled[this.filledCount] = i;
    this.filledCount++;
  }

  /**
   * Drop the write TLB entries of the RAM page at `offset` (it now holds translated code:
   * jit.ts protect). Only entries filled since the last flush can hold it: those in the log,
   * unless it overflowed (then all are looked at).
   */
  dropWriteEntries(offset: number): void {
    const offsets = this.tlbWriteOffset;
    if (this.filledCount <= FILL_LOG_ENTRIES) {
      const filled = this.filled;
      for (let k = 0; k < this.filledCount; k++) {
        const i = filled[k];
        if (offsets[i] === offset) this.clearDataTag(this.tlbWriteTag, this.tlbWriteJit, i);
      }
      return;
    }
    for (let i = 0; i < offsets.length; i++) {
      if (offsets[i] === offset) this.clearDataTag(this.tlbWriteTag, this.tlbWriteJit, i);
    }
  }

  /** Drop every cached translation (satp, sfence.vma, PMP or MXR changes). */
  flushTranslations(): void {
    this.superpageCount = 0;
    this.superpageOverflow = false;
    if (this.filledCount <= FILL_LOG_ENTRIES) {
      const filled = this.filled;
      for (let k = 0; k < this.filledCount; k++) {
        const i = filled[k];
        this.clearDataTag(this.tlbReadTag, this.tlbReadJit, i);
        this.clearDataTag(this.tlbWriteTag, this.tlbWriteJit, i);
        this.tlbExecTag[i] = NaN;
      }
    } else {
      this.tlbReadTag.fill(NaN);
      this.tlbWriteTag.fill(NaN);
      this.tlbReadJit.fill(-1);
      this.tlbWriteJit.fill(-1);
      this.tlbExecTag.fill(NaN);
    }
    this.filledCount = 0;
    this.fetchPage = NaN;
  }

  /** mstatus write hook: flush what depends on the changed fields. */
  mstatusChanged(before: number): void {
    const changed = before ^ this.mstatus;
    // Disabling interrupts (clearing SIE or MIE, as Linux does all the time) changes nothing
    // else and needs no attention: the slice goes on (translated code does it inline too).
    if ((changed & ~(MSTATUS_SIE | MSTATUS_MIE)) === 0 && (changed & this.mstatus) === 0) return;
    // Enabling SIE makes an interrupt deliverable only if one delegated to S is pending and
    // enabled (in M-mode, never: delegated interrupts are not taken there). Without one, the
    // slice goes on (Linux's local_irq_restore; translated code does it inline, reading the same
    // summary, so both tiers end slices at the same instructions).
    if (changed === MSTATUS_SIE && this.sInterrupts[0] === 0) return;
    if ((changed & MSTATUS_MXR) !== 0) this.flushTranslations();
    this.updateTranslationContext();
  }

  /**
   * Instructions retired before the current one: the interpreter sets sliceRemaining after
   * counting the instruction it is executing, hence the -1 inside a slice.
   */
  retired(): number {
    const started = this.sliceBudget - this.sliceRemaining;
    return this.instret + (started > 0 ? started - 1 : 0) - this.sliceTraps;
  }
}
