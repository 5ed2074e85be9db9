// interrupts-s.S - supervisor-level interrupts (privileged spec 3.1.9, 4.1.3 sip/sie,
// Sstc extension: stimecmp CSR 0x14D, menvcfg.STCE = bit 63):
//   * mip.SSIP / mip.SEIP are writable by M-mode software; with STCE = 0, mip.STIP
//     is writable by M too; with STCE = 1, STIP = (time >= stimecmp) and read-only;
//   * delegated (mideleg) S interrupts go to the S handler: scause = interrupt | code;
//     taken in S only if sstatus.SIE = 1, always taken in U, never taken in M;
//   * not delegated, they go to M (taken from S/U whatever mstatus.MIE says);
//   * sip.SSIP is writable from S when delegated;
//   * Sstc: stimecmp is accessible from S only if menvcfg.STCE = 1 and mcounteren.TM = 1.
#include "macros.h"
#define LOG_COUNT(rd) la t0, irq_log_count; ld rd, 0(t0)
#define LOG_ENTRY(rd, off) la t0, irq_log; ld rd, off(t0)
#define CSRR_STIMECMP_A0 0x14d02573           // csrr a0, stimecmp

TEST_BEGIN
    li t0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, t0

    // ---- SSI delegated: pending in S with SIE = 0 is not taken, SIE = 1 takes it
    TESTNUM(1)
    csrsi mip, MIP_SSIP
    csrsi mie, MIP_SSIP
    csrsi mstatus, MSTATUS_MIE             // (M does not take delegated interrupts)
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 0)
    TESTNUM(2)
    csrci mstatus, MSTATUS_SIE
    ENTER_S
    SPIN 10
    LOG_COUNT(a0)                          // SIE = 0 in S: not taken
    CHECK(a0, 0)
    csrsi sstatus, MSTATUS_SIE
1:  nop
    csrci sstatus, MSTATUS_SIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_S_FROM_S)
    LOG_ENTRY(a0, IRQ_LOG_EPC(0))
    la a1, 1b
    CHECK_REG(a0, a1)
    csrr a0, scause
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    TESTNUM(3)                             // sip.SSIP clear from S
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, MIP_SSIP)
    csrci sip, MIP_SSIP
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, 0)
    TESTNUM(4)                             // set from S and take it in U (SIE ignored in U)
    IRQ_LOG_RESET
    csrsi sie, MIP_SSIP
    csrci sstatus, MSTATUS_SIE
    ENTER_M
    ENTER_U
    li t0, 0                               // (U cannot write sip: set it from M first)
    ENTER_M
    csrsi mip, MIP_SSIP
    ENTER_U
    SPIN 10
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_S_FROM_U)
    csrci mip, MIP_SSIP

    // ---- SEI (software-set mip.SEIP) delegated to S
    TESTNUM(5)
    IRQ_LOG_RESET
    li t0, MIP_SEIP
    csrs mip, t0
    csrs mie, t0
    ENTER_S
    csrsi sstatus, MSTATUS_SIE
    SPIN 10
    csrci sstatus, MSTATUS_SIE
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_S_EXT)
    li t0, MIP_SEIP
    csrc mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK(a0, 0)

    // ---- not delegated: S interrupts go to M, also from S with mstatus.MIE = 0
    TESTNUM(6)
    IRQ_LOG_RESET
    csrw mideleg, zero
    csrci mstatus, MSTATUS_MIE
    csrsi mie, MIP_SSIP
    csrsi mip, MIP_SSIP
    ENTER_S
    SPIN 10
    ENTER_M
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_M_FROM_S)
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_S_SOFT)
    csrci mip, MIP_SSIP
    TESTNUM(7)                             // ... and in M only with MIE = 1
    IRQ_LOG_RESET
    csrsi mie, MIP_SSIP
    csrsi mip, MIP_SSIP
    SPIN 10
    LOG_COUNT(a0)
    CHECK(a0, 0)
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    LOG_COUNT(a0)
    CHECK(a0, 1)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_M_FROM_M)
    csrci mip, MIP_SSIP

    // ---- STIP with STCE = 0: written by M software
    TESTNUM(8)
    csrw CSR_MENVCFG, zero
    li t0, MIP_STIP
    csrs mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK(a0, MIP_STIP)
    csrc mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK(a0, 0)
    // stimecmp from S with STCE = 0: illegal
    csrwi mcounteren, 2
    ENTER_S
    TEST_TRAP_TVAL(9, CAUSE_ILLEGAL_INSTRUCTION, CSRR_STIMECMP_A0, .word CSRR_STIMECMP_A0)
    ENTER_M

    // ---- Sstc: STCE = 1
    li t0, ENVCFG_STCE
    csrw CSR_MENVCFG, t0
    TESTNUM(10)                            // menvcfg.STCE reads back
    csrr a0, CSR_MENVCFG
    srli a0, a0, 63
    CHECK(a0, 1)
    TESTNUM(11)                            // stimecmp in the future: STIP clear
    li a0, -1
    csrw CSR_STIMECMP, a0
    csrr a1, CSR_STIMECMP
    CHECK(a1, -1)
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(a0, 0)
    TESTNUM(12)                            // stimecmp = 0 (past): STIP set, read-only
    csrw CSR_STIMECMP, zero
    SPIN 10
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(a0, MIP_STIP)
    li t0, MIP_STIP
    csrc mip, t0
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(a0, MIP_STIP)
    li a0, -1
    csrw CSR_STIMECMP, a0
    SPIN 10
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(a0, 0)
    // mcounteren.TM = 0 with STCE = 1: stimecmp from S is illegal
    csrw mcounteren, zero
    ENTER_S
    TEST_TRAP_TVAL(13, CAUSE_ILLEGAL_INSTRUCTION, CSRR_STIMECMP_A0, .word CSRR_STIMECMP_A0)
    ENTER_M
    // ---- delegated supervisor timer interrupt programmed from S
    TESTNUM(14)
    IRQ_LOG_RESET
    csrwi mcounteren, 2
    li t0, MIP_STIP
    csrw mideleg, t0
    csrs mie, t0
    ENTER_S
    rdtime a0
    addi a0, a0, 500                       // 50 us
    csrw CSR_STIMECMP, a0
    csrsi sstatus, MSTATUS_SIE
    li s1, 100000000
2:  LOG_COUNT(a0)
    bnez a0, 3f
    addi s1, s1, -1
    bnez s1, 2b
    j fail
3:  csrci sstatus, MSTATUS_SIE
    LOG_ENTRY(a0, IRQ_LOG_CAUSE(0))
    CHECK(a0, INTERRUPT_BIT | IRQ_S_TIMER)
    LOG_ENTRY(a0, IRQ_LOG_WHO(0))
    CHECK(a0, TRAP_S_FROM_S)
    TESTNUM(15)                            // S clears it by moving stimecmp
    li a0, -1
    csrw CSR_STIMECMP, a0
    SPIN 10
    csrr a0, sip
    andi a0, a0, MIP_STIP
    CHECK(a0, 0)
    ENTER_M
    csrw mideleg, zero
    csrw mie, zero
TEST_END
