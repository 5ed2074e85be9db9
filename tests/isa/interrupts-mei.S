// interrupts-mei.S - machine and supervisor external interrupts through the PLIC
// (privileged spec 3.1.9: mip.MEIP/SEIP are set by the platform's interrupt
// controller; RISC-V PLIC spec; QEMU virt layout: PLIC at 0x0c000000, context 0 =
// hart 0 M-mode, context 1 = hart 0 S-mode, UART0 (16550) = source 10).
// The UART's "transmitter holding register empty" interrupt (IER bit 1) is used as
// an interrupt source that asserts as soon as it is enabled.
//   * MEIP follows the PLIC's notification; mip.MEIP cannot be set by software;
//   * MEI is taken with mcause = interrupt | 11; claim returns the source id;
//     after the source is quiet and the claim completed, MEIP clears;
//   * a PLIC threshold >= the source priority masks it;
//   * routed to the S context, the source sets mip.SEIP (hardware view), taken in S
//     when delegated.
#include "macros.h"
#define LOG_COUNT(rd) la t0, irq_log_count; ld rd, 0(t0)
#define LOG_CAUSE(rd, i) la t0, irq_log; ld rd, IRQ_LOG_CAUSE(i)(t0)
#define W32(addr, val) li t0, addr; li t1, val; sw t1, 0(t0)
#define R32(rd, addr) li t0, addr; lw rd, 0(t0)
#define UART_THRE_ON  li t0, UART0_BASE; li t1, 2; sb t1, 1(t0)
#define UART_THRE_OFF li t0, UART0_BASE; sb zero, 1(t0)
TEST_BEGIN
    W32(PLIC_PRIORITY(UART0_IRQ), 1)
    W32(PLIC_THRESHOLD(PLIC_CTX_M), 0)
    W32(PLIC_THRESHOLD(PLIC_CTX_S), 0)
    W32(PLIC_ENABLE(PLIC_CTX_M), 1 << UART0_IRQ)
    W32(PLIC_ENABLE(PLIC_CTX_S), 0)
    // ---- software cannot set mip.MEIP
    TESTNUM(1)
    li t0, MIP_MEIP
    csrs mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK(a0, 0)
    // ---- source asserted -> MEIP
    TESTNUM(2)
    UART_THRE_ON
    SPIN 100
    csrr a0, mip
    li t0, MIP_MEIP
    and a0, a0, t0
    CHECK(a0, MIP_MEIP)
    // ---- taken as interrupt 11
    TESTNUM(3)
    li t0, MIP_MEIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_M_EXT)
    // ---- claim / complete
    TESTNUM(4)
    R32(a0, PLIC_CLAIM(PLIC_CTX_M))
    CHECK(a0, UART0_IRQ)
    UART_THRE_OFF
    W32(PLIC_CLAIM(PLIC_CTX_M), UART0_IRQ)
    SPIN 100
    csrr a0, mip
    li t0, MIP_MEIP
    and a0, a0, t0
    CHECK(a0, 0)
    // ---- threshold masks the source
    TESTNUM(5)
    W32(PLIC_THRESHOLD(PLIC_CTX_M), 1)
    UART_THRE_ON
    SPIN 100
    csrr a0, mip
    li t0, MIP_MEIP
    and a0, a0, t0
    CHECK(a0, 0)
    W32(PLIC_THRESHOLD(PLIC_CTX_M), 0)
    SPIN 100
    csrr a0, mip
    li t0, MIP_MEIP
    and a0, a0, t0
    CHECK(a0, MIP_MEIP)
    R32(a0, PLIC_CLAIM(PLIC_CTX_M))
    UART_THRE_OFF
    W32(PLIC_CLAIM(PLIC_CTX_M), UART0_IRQ)
    SPIN 100
    // ---- routed to the S-mode context: SEIP, delegated and taken in S
    TESTNUM(6)
    IRQ_LOG_RESET
    W32(PLIC_ENABLE(PLIC_CTX_M), 0)
    W32(PLIC_ENABLE(PLIC_CTX_S), 1 << UART0_IRQ)
    li t0, MIP_SEIP
    csrw mideleg, t0
    csrw mie, t0
    UART_THRE_ON
    SPIN 100
    csrr a0, mip
    li t0, MIP_SEIP | MIP_MEIP
    and a0, a0, t0
    CHECK(a0, MIP_SEIP)
    ENTER_S
    csrsi sstatus, MSTATUS_SIE
    SPIN 10
    csrci sstatus, MSTATUS_SIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_CAUSE(a0, 0)
    CHECK(a0, INTERRUPT_BIT | IRQ_S_EXT)
    TESTNUM(7)                             // S claims and completes
    R32(a0, PLIC_CLAIM(PLIC_CTX_S))
    CHECK(a0, UART0_IRQ)
    UART_THRE_OFF
    W32(PLIC_CLAIM(PLIC_CTX_S), UART0_IRQ)
    SPIN 100
    csrr a0, sip
    andi a0, a0, MIP_SEIP
    CHECK(a0, 0)
    ENTER_M
    csrw mideleg, zero
    csrw mie, zero
TEST_END
