/*
 * macros.h - shared start-up code, trap handlers and check macros for the
 * rvisor self-checking ISA tests. Every tests/isa/*.S file looks like:
 *
 *     #include "macros.h"
 *     TEST_BEGIN
 *         TEST_CASE(1, a0, 3, li a1, 1; addi a0, a1, 2)
 *         ...
 *     TEST_END
 *
 * The test starts in M-mode at 0x80000000 and must reach TEST_END in M-mode.
 * Result is reported through the SiFive test finisher at 0x100000 (32-bit store):
 *   0x5555                    pass  (QEMU exits 0)
 *   (testnum << 16) | 0x3333  fail  (QEMU exits with testnum)
 * Test numbers are 1..254 (QEMU's exit status is 8 bits wide); 255 means
 * "failure outside any numbered case".
 *
 * Register conventions (test code must not use these for anything else):
 *   s11  current test number (set by TESTNUM / TEST_CASE / TEST_TRAP)
 *   s10  recovery address: when non-zero, the next synchronous exception is
 *        "expected": the handler records it, resumes at s10 and clears s10.
 *        When zero, an exception is a failure of the current test.
 *   s9   cause of the last exception        (mcause or scause)
 *   s8   tval of the last exception         (mtval  or stval)
 *   s7   epc of the last exception          (mepc   or sepc)
 *   s6   who took it and from where: (handler_priv << 4) | previous_priv,
 *        e.g. 0x30 = M-mode handler, trap came from U-mode; 0x11 = S from S.
 *   t6   scratch of the CHECK macros.
 * Interrupts do NOT touch s6..s11: the handler appends (cause, epc, who) to
 * irq_log, clears the interrupt's enable bit in mie (M handler) or sie
 * (S handler) so that it does not fire again, and returns to the interrupted
 * instruction. Tests clear the interrupt source themselves afterwards.
 *
 * Service calls (ecall from U/S-mode that is not expected, i.e. s10 == 0):
 *   a7 = SVC_GOTO_M     return to M-mode at the instruction after the ecall
 *   a7 = SVC_GOTO_M_AT  return to M-mode at the address in a6
 *   a7 = SVC_FAIL       fail the current test
 * If ecalls from U are delegated to S, the S handler forwards SVC_GOTO_M(_AT)
 * to M with an ecall from S (tests never delegate ecalls from S).
 */
#ifndef RVISOR_ISA_MACROS_H
#define RVISOR_ISA_MACROS_H

/* ---------------------------------------------------------------- platform */
#define FINISHER        0x100000
#define FINISHER_PASS   0x5555
#define FINISHER_FAIL   0x3333
#define CLINT_BASE      0x2000000
#define CLINT_MSIP      0x2000000
#define CLINT_MTIMECMP  0x2004000
#define CLINT_MTIME     0x200bff8
#define RAM_BASE        0x80000000
#define UART0_BASE      0x10000000   /* ns16550a, PLIC source 10 */
#define UART0_IRQ       10
#define PLIC_BASE       0x0c000000
#define PLIC_PRIORITY(src)     (PLIC_BASE + 4 * (src))
#define PLIC_PENDING           (PLIC_BASE + 0x1000)
#define PLIC_ENABLE(ctx)       (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)    (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)        (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
/* PLIC contexts of hart 0 */
#define PLIC_CTX_M 0
#define PLIC_CTX_S 1
/* a physical address with neither memory nor a device behind it (16 TiB) */
#define UNMAPPED_ADDR   0x100000000000

/* ------------------------------------------------------------ CSR numbers */
/* (numbers for CSRs that binutils 2.40 does not know by name) */
#define CSR_MENVCFG     0x30a
#define CSR_SENVCFG     0x10a
#define CSR_STIMECMP    0x14d
#define CSR_MCONFIGPTR  0xf15

/* ----------------------------------------------------------------- mstatus */
#define MSTATUS_SIE     (1 << 1)
#define MSTATUS_MIE     (1 << 3)
#define MSTATUS_SPIE    (1 << 5)
#define MSTATUS_UBE     (1 << 6)
#define MSTATUS_MPIE    (1 << 7)
#define MSTATUS_SPP     (1 << 8)
#define MSTATUS_VS      (3 << 9)
#define MSTATUS_MPP     (3 << 11)
#define MSTATUS_MPP_U   (0 << 11)
#define MSTATUS_MPP_S   (1 << 11)
#define MSTATUS_MPP_M   (3 << 11)
#define MSTATUS_FS      (3 << 13)
#define MSTATUS_FS_OFF     (0 << 13)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_CLEAN   (2 << 13)
#define MSTATUS_FS_DIRTY   (3 << 13)
#define MSTATUS_XS      (3 << 15)
#define MSTATUS_MPRV    (1 << 17)
#define MSTATUS_SUM     (1 << 18)
#define MSTATUS_MXR     (1 << 19)
#define MSTATUS_TVM     (1 << 20)
#define MSTATUS_TW      (1 << 21)
#define MSTATUS_TSR     (1 << 22)
#define MSTATUS_UXL     (3 << 32)
#define MSTATUS_SXL     (3 << 34)
#define MSTATUS_SD      (1 << 63)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* ------------------------------------------------------------- mip / mie */
#define MIP_SSIP (1 << 1)
#define MIP_MSIP (1 << 3)
#define MIP_STIP (1 << 5)
#define MIP_MTIP (1 << 7)
#define MIP_SEIP (1 << 9)
#define MIP_MEIP (1 << 11)

#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11
#define INTERRUPT_BIT (1 << 63)

/* ------------------------------------------------------ exception causes */
#define CAUSE_MISALIGNED_FETCH    0
#define CAUSE_FETCH_ACCESS        1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT          3
#define CAUSE_MISALIGNED_LOAD     4
#define CAUSE_LOAD_ACCESS         5
#define CAUSE_MISALIGNED_STORE    6
#define CAUSE_STORE_ACCESS        7
#define CAUSE_USER_ECALL          8
#define CAUSE_SUPERVISOR_ECALL    9
#define CAUSE_MACHINE_ECALL       11
#define CAUSE_FETCH_PAGE_FAULT    12
#define CAUSE_LOAD_PAGE_FAULT     13
#define CAUSE_STORE_PAGE_FAULT    15

/* s6 values: (handler privilege << 4) | privilege the trap came from */
#define TRAP_M_FROM_U 0x30
#define TRAP_M_FROM_S 0x31
#define TRAP_M_FROM_M 0x33
#define TRAP_S_FROM_U 0x10
#define TRAP_S_FROM_S 0x11

/* ------------------------------------------------------------- menvcfg */
#define ENVCFG_CBIE_SHIFT 4
#define ENVCFG_CBCFE (1 << 6)
#define ENVCFG_CBZE  (1 << 7)
#define ENVCFG_PBMTE (1 << 62)
#define ENVCFG_STCE  (1 << 63)

/* ------------------------------------------------------------------ PMP */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80
/* pmpaddr value for a NAPOT region of `size` bytes (power of two >= 8) at `base` */
#define PMP_NAPOT_ADDR(base, size) (((base) >> 2) | (((size) >> 3) - 1))

/* ------------------------------------------------------------ page tables */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define PTE_RWX   (PTE_R | PTE_W | PTE_X)
#define PTE_LEAF  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
/* PTE value for a physical address known at assembly time */
#define PTE_FOR(pa, flags) ((((pa) >> 12) << 10) | (flags))
/* index of `va` in the page table of level `lvl` (0 = 4 KiB leaf level) */
#define VPN(va, lvl) (((va) >> (12 + 9 * (lvl))) & 0x1ff)

#define SATP_MODE_BARE (0 << 60)
#define SATP_MODE_SV39 (8 << 60)
#define SATP_MODE_SV48 (9 << 60)
#define SATP_MODE_SV57 (10 << 60)

#define SVC_GOTO_M    0x60d0
#define SVC_GOTO_M_AT 0x60d1
#define SVC_FAIL      0xfa11

/* ============================================================ check macros */

/* Start test number n (1..254). */
#define TESTNUM(n) \
    .if ((n) < 1) || ((n) > 254); .error "test numbers must be in 1..254"; .endif; \
    li s11, n

/* Fail the current test unless register `reg` equals the constant `val`. */
#define CHECK(reg, val)       li t6, val; bne reg, t6, fail
/* Fail the current test unless two registers are equal. */
#define CHECK_REG(reg1, reg2) bne reg1, reg2, fail

/* Test n: run the instructions (';'-separated), then check reg == val. */
#define TEST_CASE(n, reg, val, ...) \
    TESTNUM(n); __VA_ARGS__; CHECK(reg, val)

/* Test n: the FIRST instruction of the code must raise exception `cause`.
 * The handler records cause/tval/epc in s9/s8/s7 and resumes after the code.
 * Checks the cause and that epc is the address of that first instruction.
 * The tval is left in s8 for further CHECKs. */
#define TEST_TRAP(n, cause, ...) \
    TESTNUM(n); li s9, -1; la s10, 8882f; \
    8881: __VA_ARGS__; \
    8882: li s10, 0; CHECK(s9, cause); la t6, 8881b; bne s7, t6, fail

/* As TEST_TRAP, and also check tval == the constant tval. */
#define TEST_TRAP_TVAL(n, cause, tval, ...) \
    TEST_TRAP(n, cause, __VA_ARGS__); CHECK(s8, tval)

/* Expect some trap in the middle of the code (not necessarily the first
 * instruction); only the cause is checked here. */
#define TEST_TRAP_ANY_EPC(n, cause, ...) \
    TESTNUM(n); li s9, -1; la s10, 8883f; \
    __VA_ARGS__; \
    8883: li s10, 0; CHECK(s9, cause)

/* Run code that must NOT trap (an unexpected trap fails test n anyway; this
 * just documents the intent). */
#define TEST_NO_TRAP(n, ...) TESTNUM(n); __VA_ARGS__

/* Load a 64-bit constant into FP register fd (through integer reg `tmp`). */
#define FLI_D(fd, val, tmp) li tmp, val; fmv.d.x fd, tmp
#define FLI_S(fd, val, tmp) li tmp, val; fmv.w.x fd, tmp

/* ========================================================= helper macros */

/* Switch from M-mode to privilege `mpp` (PRV_S / PRV_U) and continue with the
 * next instruction (through mret). Clobbers t0. Keeps MPRV as mret leaves it.
 * MPIE is cleared first, so mstatus.MIE is 0 afterwards (it does not mask
 * M-level interrupts below M anyway). */
.macro ENTER_MODE mpp
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    li t0, (\mpp) << 11
    csrs mstatus, t0
    la t0, .Lenter_mode_\@
    csrw mepc, t0
    mret
.Lenter_mode_\@:
.endm
#define ENTER_S ENTER_MODE PRV_S
#define ENTER_U ENTER_MODE PRV_U

/* From U/S-mode back to M-mode, continuing after the ecall (the code must be
 * mapped at the same address in M-mode, i.e. identity-mapped or no paging).
 * Returns with mstatus.MIE = 0, MPIE = 1. Clobbers a7, s6..s9. */
.macro ENTER_M
    li a7, SVC_GOTO_M
    ecall
.endm

/* From U/S-mode back to M-mode at the physical address of label `lbl` when
 * the current code runs at an alias VA = PA + `offset`. Clobbers a6, a7. */
.macro ENTER_M_AT lbl, offset
    la a6, \lbl
    li a7, \offset
    sub a6, a6, a7
    li a7, SVC_GOTO_M_AT
    ecall
.endm

/* Set bits / clear bits of mstatus with a constant mask. Clobbers t0. */
.macro MSTATUS_SET mask
    li t0, \mask
    csrs mstatus, t0
.endm
.macro MSTATUS_CLR mask
    li t0, \mask
    csrc mstatus, t0
.endm

/* Zero the 4 KiB page at label `lbl`. Clobbers t0, t1. */
.macro ZERO_PAGE lbl
    la t0, \lbl
    li t1, 4096
    add t1, t1, t0
.Lzero_page_\@:
    sd zero, 0(t0)
    addi t0, t0, 8
    bltu t0, t1, .Lzero_page_\@
.endm

/* page_table[idx] = PTE pointing at the page/table at label `target` with
 * `flags`. Clobbers t0, t1, t2. */
.macro PTE_SET_LABEL table, idx, target, flags
    la t1, \target
    srli t1, t1, 12
    slli t1, t1, 10
    ori t1, t1, \flags
    la t0, \table
    li t2, (\idx) * 8
    add t0, t0, t2
    sd t1, 0(t0)
.endm

/* page_table[idx] = the constant PTE value `pte`. Clobbers t0, t1, t2. */
.macro PTE_SET_RAW table, idx, pte
    li t1, \pte
    la t0, \table
    li t2, (\idx) * 8
    add t0, t0, t2
    sd t1, 0(t0)
.endm

/* page_table[idx] = register `reg` (not t0/t2). Clobbers t0, t2. */
.macro PTE_SET_RAW_REG table, idx, reg
    la t0, \table
    li t2, (\idx) * 8
    add t0, t0, t2
    sd \reg, 0(t0)
.endm

/* Load page_table[idx] into register `rd`. Clobbers t0, t2. */
.macro PTE_GET rd, table, idx
    la t0, \table
    li t2, (\idx) * 8
    add t0, t0, t2
    ld \rd, 0(t0)
.endm

/* satp = mode | PPN(root table at label `root`); then sfence.vma. Clobbers t0, t1. */
.macro SATP_SET mode, root
    la t0, \root
    srli t0, t0, 12
    li t1, \mode
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
.endm

/* Clear the interrupt log. Clobbers t0. */
.macro IRQ_LOG_RESET
    la t0, irq_log_count
    sd zero, 0(t0)
.endm

/* Busy-wait about n iterations. Clobbers t0. */
.macro SPIN n
    li t0, \n
.Lspin_\@:
    addi t0, t0, -1
    bnez t0, .Lspin_\@
.endm

/* ================================================================ start-up */
.macro TEST_BEGIN
    .section .text.init, "ax", @progbits
    .globl _start
    .option push
    .option norvc
_start:
#ifdef SAVE_RESET_STATE
    /* reset-values.S: capture CSRs before anything is written (kept in s0-s5, a0-a7) */
    csrr s0, mstatus
    csrr s1, mie
    csrr s2, mip
    csrr s3, medeleg
    csrr s4, mideleg
    csrr s5, satp
    csrr a0, mcounteren
    csrr a1, scounteren
    csrr a2, CSR_MENVCFG
    csrr a3, pmpcfg0
    csrr a4, pmpcfg2
    csrr a5, mcountinhibit
    csrr a6, mcause
    csrr a7, misa
#endif
    /* M-mode trap vector (direct mode) and its save area */
    la t0, m_trap_vector
    csrw mtvec, t0
    la t0, m_save_area
    csrw mscratch, t0
    la t0, s_trap_vector
    csrw stvec, t0
    la t0, s_save_area
    csrw sscratch, t0
    la sp, stack_top
    li s6, 0
    li s7, 0
    li s8, 0
    li s9, 0
    li s10, 0
    li s11, 0
    /* PMP: S/U-mode accesses need a matching PMP entry. Entry 15 (lowest
     * priority) covers the whole address space with RWX; tests use 0..14. */
    li t0, -1
    csrw pmpaddr15, t0
    li t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
    csrw pmpcfg2, t0
    csrw pmpcfg0, zero
    /* no delegation, no interrupts, no translation */
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw mip, zero
    csrw satp, zero
    /* FP on (FS = Initial), fcsr = 0 */
    li t0, MSTATUS_FS
    csrc mstatus, t0
    li t0, MSTATUS_FS_INITIAL
    csrs mstatus, t0
    csrw fcsr, zero
    /* no machine timer interrupt pending (QEMU resets mtimecmp to 0) */
    li t0, CLINT_MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    IRQ_LOG_RESET
    .option pop
    j test_main

    .text
test_main:
.endm

/* ============================================= end: handlers, pass, fail */
.macro TEST_END
    j pass

    /* ---------------- M-mode trap handler (mtvec, direct mode) */
    .align 6
    .option push
    .option norvc
    .globl m_trap_vector
m_trap_vector:
    csrrw sp, mscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    csrr t0, mcause
    bltz t0, .Lm_irq
    mv s9, t0
    csrr s8, mtval
    csrr s7, mepc
    csrr t1, mstatus
    srli t1, t1, 11
    andi t1, t1, 3
    ori s6, t1, 0x30
    beqz s10, .Lm_unexpected
    csrw mepc, s10
    li s10, 0
.Lm_ret:
    ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, mscratch, sp
    mret
.Lm_unexpected:
    /* service calls: ecall from U (8) or S (9) */
    addi t1, s9, -CAUSE_USER_ECALL
    li t2, 1
    bgtu t1, t2, fail_m
    li t1, SVC_GOTO_M
    beq a7, t1, .Lm_goto_m
    li t1, SVC_GOTO_M_AT
    beq a7, t1, .Lm_goto_m_at
    j fail_m
.Lm_goto_m:
    csrr t1, mepc
    addi t1, t1, 4
    csrw mepc, t1
.Lm_goto_m_common:
    /* back in M with mstatus.MIE = 0 (MPIE cleared before the mret) */
    li t1, MSTATUS_MPP
    csrs mstatus, t1
    li t1, MSTATUS_MPIE
    csrc mstatus, t1
    j .Lm_ret
.Lm_goto_m_at:
    csrw mepc, a6
    j .Lm_goto_m_common
.Lm_irq:
    /* append (cause, mepc, 0x30 | MPP) to irq_log (16 entries max) */
    la t1, irq_log_count
    ld t2, 0(t1)
    addi t2, t2, 1
    sd t2, 0(t1)
    addi t2, t2, -1
    sltiu t1, t2, 16
    beqz t1, .Lm_irq_nolog
    slli t1, t2, 4
    slli t2, t2, 3
    add t2, t2, t1
    la t1, irq_log
    add t1, t1, t2
    sd t0, 0(t1)
    csrr t2, mepc
    sd t2, 8(t1)
    csrr t2, mstatus
    srli t2, t2, 11
    andi t2, t2, 3
    ori t2, t2, 0x30
    sd t2, 16(t1)
.Lm_irq_nolog:
    /* mask this interrupt in mie so that it does not fire again */
    li t1, 1
    sll t1, t1, t0
    csrc mie, t1
    j .Lm_ret

    /* ---------------- S-mode trap handler (stvec, direct mode) */
    .option pop
    .align 6
    .option push
    .option norvc
    .globl s_trap_vector
s_trap_vector:
    csrrw sp, sscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    csrr t0, scause
    bltz t0, .Ls_irq
    mv s9, t0
    csrr s8, stval
    csrr s7, sepc
    csrr t1, sstatus
    srli t1, t1, 8
    andi t1, t1, 1
    ori s6, t1, 0x10
    beqz s10, .Ls_unexpected
    csrw sepc, s10
    li s10, 0
.Ls_ret:
    ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, sscratch, sp
    sret
.Ls_unexpected:
    /* an ecall from U delegated to S may be a service call: forward it to M
     * with an ecall from S (ecalls from S are never delegated by the tests) */
    li t1, CAUSE_USER_ECALL
    bne s9, t1, .Ls_fail
    li t1, SVC_GOTO_M
    bne a7, t1, 1f
    csrr a6, sepc
    addi a6, a6, 4
    li a7, SVC_GOTO_M_AT
1:  li t1, SVC_GOTO_M_AT
    bne a7, t1, .Ls_fail
    ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, sscratch, sp
    ecall
.Ls_fail:
    li a7, SVC_FAIL
    ecall
1:  j 1b
.Ls_irq:
    la t1, irq_log_count
    ld t2, 0(t1)
    addi t2, t2, 1
    sd t2, 0(t1)
    addi t2, t2, -1
    sltiu t1, t2, 16
    beqz t1, .Ls_irq_nolog
    slli t1, t2, 4
    slli t2, t2, 3
    add t2, t2, t1
    la t1, irq_log
    add t1, t1, t2
    sd t0, 0(t1)
    csrr t2, sepc
    sd t2, 8(t1)
    csrr t2, sstatus
    srli t2, t2, 8
    andi t2, t2, 1
    ori t2, t2, 0x10
    sd t2, 16(t1)
.Ls_irq_nolog:
    li t1, 1
    sll t1, t1, t0
    csrc sie, t1
    j .Ls_ret

    /* ---------------- pass / fail */
    .align 2
    .globl pass
pass:
    li t0, FINISHER
    li t1, FINISHER_PASS
    sw t1, 0(t0)
1:  j 1b

    .globl fail
fail:
    /* From U/S-mode the csrr below traps; the trap handler (s10 == 0)
     * then reports the failure of test s11 from M-mode. */
    li s10, 0
    csrr t6, mstatus
    .globl fail_m
fail_m:
    li s10, 0
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    mv t1, s11
    bnez t1, 2f
    li t1, 255
2:  slli t1, t1, 16
    li t2, FINISHER_FAIL
    or t1, t1, t2
    li t0, FINISHER
    sw t1, 0(t0)
3:  j 3b
    .option pop

    /* ---------------- runtime data */
    .data
    .align 6
    .globl m_save_area, s_save_area, irq_log_count, irq_log
m_save_area:    .skip 64
s_save_area:    .skip 64
irq_log_count:  .dword 0
irq_log:        .skip 16 * 24
    .text
.endm

/* irq_log entry i: cause at irq_log + 24*i, epc at +8, who (0x30|prv / 0x10|prv) at +16 */
#define IRQ_LOG_CAUSE(i) (24 * (i))
#define IRQ_LOG_EPC(i)   (24 * (i) + 8)
#define IRQ_LOG_WHO(i)   (24 * (i) + 16)

#endif
