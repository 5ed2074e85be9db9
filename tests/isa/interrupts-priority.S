// interrupts-priority.S - simultaneous pending interrupts are taken in the fixed
// priority order MEI > MSI > MTI > SEI > SSI > STI (privileged spec 3.1.9: "Multiple
// simultaneous interrupts destined for M-mode are handled in the following decreasing
// priority order: MEI, MSI, MTI, SEI, SSI, STI"). MEI is covered in interrupts-mei.S
// (it needs the PLIC). All five are made pending at once with mstatus.MIE = 0; the
// handler masks each one in mie after taking it, so enabling MIE drains them in
// priority order into irq_log. Also: delegated S interrupts vs. M interrupts while in S.
#include "macros.h"
#define LOG_COUNT(rd) la t0, irq_log_count; ld rd, 0(t0)
#define LOG_CAUSE(rd, i) la t0, irq_log; ld rd, IRQ_LOG_CAUSE(i)(t0)
TEST_BEGIN
    csrw CSR_MENVCFG, zero                 // STCE = 0: STIP written by software
    csrw mideleg, zero
    // ---- all pending, none enabled yet
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)                           // MSI
    li t0, CLINT_MTIMECMP
    sd zero, 0(t0)                         // MTI (mtime >= 0)
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, t0
    SPIN 10
    TESTNUM(1)
    csrr a0, mip
    li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    and a0, a0, t0
    CHECK_REG(a0, t0)
    // ---- enable all, then MIE
    li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    TESTNUM(2)
    LOG_COUNT(a0)
    CHECK(a0, 5)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    TESTNUM(3)
    LOG_CAUSE(a0, 1)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_TIMER)
    TESTNUM(4)
    LOG_CAUSE(a0, 2)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_EXT)
    TESTNUM(5)
    LOG_CAUSE(a0, 3)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    TESTNUM(6)
    LOG_CAUSE(a0, 4)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_TIMER)

    // ---- subsets: MTI before SSI; SEI before STI
    IRQ_LOG_RESET
    li t0, MIP_MTIP | MIP_SSIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    TESTNUM(7)
    LOG_COUNT(a0)
    CHECK(a0, 2)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_TIMER)
    LOG_CAUSE(a0, 1)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    IRQ_LOG_RESET
    li t0, MIP_STIP | MIP_SEIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    TESTNUM(8)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_EXT)
    LOG_CAUSE(a0, 1)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_TIMER)

    // ---- in S-mode with SSI delegated and MSI not: the M-level one comes first
    //      (interrupts for M are taken before those for S when both are enabled)
    IRQ_LOG_RESET
    li t0, MIP_SEIP | MIP_STIP | MIP_MTIP   // leave only MSI and SSI pending
    csrc mip, t0
    li t0, CLINT_MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    li t0, MIP_SSIP
    csrw mideleg, t0
    li t0, MIP_MSIP | MIP_SSIP
    csrs mie, t0
    ENTER_S
    csrsi sstatus, MSTATUS_SIE
    SPIN 10
    csrci sstatus, MSTATUS_SIE
    ENTER_M
    TESTNUM(9)
    LOG_COUNT(a0)
    CHECK(a0, 2)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    LOG_CAUSE(a0, 1)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    TESTNUM(10)
    la t0, irq_log
    ld a0, IRQ_LOG_WHO(0)(t0)
    CHECK(a0, TRAP_M_FROM_S)
    ld a0, IRQ_LOG_WHO(1)(t0)
    CHECK(a0, TRAP_S_FROM_S)
    // clean up
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    csrci mip, MIP_SSIP
    csrw mideleg, zero
    csrw mie, zero

    // ---- MEI (PLIC) beats MSI
    IRQ_LOG_RESET
    li t0, PLIC_PRIORITY(UART0_IRQ)
    li t1, 1
    sw t1, 0(t0)
    li t0, PLIC_THRESHOLD(PLIC_CTX_M)
    sw zero, 0(t0)
    li t0, PLIC_ENABLE(PLIC_CTX_M)
    li t1, 1 << UART0_IRQ
    sw t1, 0(t0)
    li t0, UART0_BASE
    li t1, 2
    sb t1, 1(t0)                           // UART IER.ETBEI: THR-empty interrupt
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    SPIN 100
    li t0, MIP_MEIP | MIP_MSIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    TESTNUM(11)
    LOG_COUNT(a0)
    CHECK(a0, 2)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_EXT)
    LOG_CAUSE(a0, 1)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_SOFT)
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    li t0, UART0_BASE
    sb zero, 1(t0)
    li t0, PLIC_CLAIM(PLIC_CTX_M)
    lw t1, 0(t0)
    sw t1, 0(t0)
TEST_END
