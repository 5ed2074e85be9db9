// interrupts-m.S - machine-level interrupts (privileged spec 3.1.9 mip/mie, 3.2.1 mtime/
// mtimecmp; CLINT layout of QEMU virt: msip 0x2000000, mtimecmp 0x2004000, mtime
// 0x200bff8):
//   * writing CLINT msip sets mip.MSIP; mtime >= mtimecmp sets mip.MTIP; both bits are
//     read-only in mip (only the CLINT changes them);
//   * an interrupt is taken in M only when pending, enabled in mie and mstatus.MIE = 1;
//     mcause = interrupt bit | code, mepc = the first instruction not executed;
//   * M-level interrupts are taken in S/U-mode whatever mstatus.MIE says;
//   * WFI returns when an enabled interrupt is pending even if mstatus.MIE = 0, without
//     taking the interrupt.
// Handler behaviour (macros.h): each interrupt is logged in irq_log and its mie bit
// is cleared, so the log shows exactly what was taken, in order.
#include "macros.h"

#define SET_MSIP(v) li t0, CLINT_MSIP; li t1, v; sw t1, 0(t0)
#define MTIMECMP_SET(rs) li t0, CLINT_MTIMECMP; sd rs, 0(t0)
#define LOG_COUNT(rd) la t0, irq_log_count; ld rd, 0(t0)
#define LOG_ENTRY(rd, off) la t0, irq_log; ld rd, off(t0)

TEST_BEGIN
    // ---- software interrupt: pending bit visible, not taken while disabled
    TESTNUM(1)
    SET_MSIP(1)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(a0, MIP_MSIP)
    MSTATUS_SET MSTATUS_MIE                // mie.MSIE = 0: not taken
    SPIN 100
    MSTATUS_CLR MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 0)
    TESTNUM(2)                             // mie.MSIE = 1 but MIE = 0: not taken
    csrsi mie, MIP_MSIP
    SPIN 100
    LOG_COUNT(a0)
    CHECK(a0, 0)
    TESTNUM(3)                             // both enabled: taken right after the csrs
    csrs mstatus, MSTATUS_MIE
1:  nop
    MSTATUS_CLR MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    LOG_ENTRY(a0, IRQ_LOG_EPC(0))
    la a1, 1b
    CHECK_REG(a0, a1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_M_FROM_M)
    TESTNUM(4)                             // mcause as seen by software
    csrr a0, mcause
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    TESTNUM(5)                             // clearing msip clears mip.MSIP
    SET_MSIP(0)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(a0, 0)
    TESTNUM(6)                             // mip.MSIP is read-only through the CSR
    csrsi mip, MIP_MSIP
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK(a0, 0)
    // after an interrupt trap, MPIE holds the old MIE (1) and mret restored it
    TESTNUM(7)
    IRQ_LOG_RESET
    csrsi mie, MIP_MSIP
    SET_MSIP(1)
    csrsi mstatus, MSTATUS_MIE
    nop
    csrr a0, mstatus
    andi a0, a0, MSTATUS_MIE | MSTATUS_MPIE
    CHECK(a0, MSTATUS_MIE | MSTATUS_MPIE)
    csrci mstatus, MSTATUS_MIE
    SET_MSIP(0)

    // ---- timer interrupt
    TESTNUM(8)
    IRQ_LOG_RESET
    li t0, CLINT_MTIME
    ld a0, 0(t0)
    addi a0, a0, 1000                      // 100 us at 10 MHz
    MTIMECMP_SET(a0)
    csrr a1, mip                           // not yet pending (the spin below is short)
    andi a1, a1, MIP_MTIP
    CHECK(a1, 0)
    li t0, MIP_MTIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    li s1, 100000000                       // wait (bounded) for the interrupt
2:  LOG_COUNT(a0)
    bnez a0, 3f
    addi s1, s1, -1
    bnez s1, 2b
    j fail
3:  csrci mstatus, MSTATUS_MIE
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_M_TIMER)
    TESTNUM(9)                             // still pending until mtimecmp is moved
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    CHECK(a1, MIP_MTIP)
    li a0, -1
    MTIMECMP_SET(a0)
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    CHECK(a1, 0)
    TESTNUM(10)                            // mip.MTIP is read-only through the CSR
    li t0, MIP_MTIP
    csrs mip, t0
    csrr a1, mip
    andi a1, a1, MIP_MTIP
    CHECK(a1, 0)

    // ---- WFI wakes up on a pending+enabled interrupt even with MIE = 0, no trap
    TESTNUM(11)
    IRQ_LOG_RESET
    csrci mstatus, MSTATUS_MIE
    li t0, MIP_MTIP
    csrs mie, t0
    li t0, CLINT_MTIME
    ld a0, 0(t0)
    li t1, 20000                           // 2 ms
    add a0, a0, t1
    MTIMECMP_SET(a0)
    wfi
    // wfi may also return early (spec: it is a hint), so wait for the timer anyway
4:  csrr a1, mip
    andi a1, a1, MIP_MTIP
    beqz a1, 5f
    j 6f
5:  wfi
    j 4b
6:  LOG_COUNT(a0)
    CHECK(a0, 0)
    TESTNUM(12)                            // enabling MIE now takes it at once
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    li a0, -1
    MTIMECMP_SET(a0)

    // ---- M-level interrupts preempt S and U regardless of mstatus.MIE
    TESTNUM(13)
    IRQ_LOG_RESET
    csrsi mie, MIP_MSIP
    csrci mstatus, MSTATUS_MIE
    ENTER_S
    SET_MSIP(1)                            // S-mode can reach the CLINT (PMP entry 15)
    SPIN 10                                // (QEMU notices it at the next block boundary)
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_M_FROM_S)
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    SET_MSIP(0)
    TESTNUM(14)
    IRQ_LOG_RESET
    csrsi mie, MIP_MSIP
    ENTER_U
    SET_MSIP(1)
    SPIN 10
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_M_FROM_U)
    SET_MSIP(0)
    // ... but not when disabled in mie
    TESTNUM(15)
    IRQ_LOG_RESET
    csrw mie, zero
    ENTER_U
    SET_MSIP(1)
    SPIN 100
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 0)
    SET_MSIP(0)
    // ---- mie: the standard bits are writable
    TESTNUM(16)
    li t0, MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP
    csrw mie, t0
    csrr a0, mie
    and a0, a0, t0
    CHECK_REG(a0, t0)
    csrw mie, zero
TEST_END
