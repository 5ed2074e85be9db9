// priv-modes.S - privilege transitions (privileged spec 3.1.6.1, 3.3.2, 4.1.1):
//   * trap into M: MPP <- previous mode, MPIE <- MIE, MIE <- 0, mepc/mcause/mtval;
//   * MRET: mode <- MPP, MIE <- MPIE, MPIE <- 1, MPP <- U (least-privileged mode),
//     MPRV kept when returning to M (cleared otherwise: priv-mprv-clear.S);
//   * SRET: mode <- SPP, SIE <- SPIE, SPIE <- 1, SPP <- U;
//   * trap into S (delegated): SPP, SPIE, SIE; sepc/scause/stval;
//   * ECALL from U/S/M gives causes 8/9/11 with mepc = the ecall, mtval = 0;
//   * MRET in S/U and SRET in U are illegal; SRET in M works.
#include "macros.h"

// a0 = mstatus & mask
#define MS_FIELD(mask) csrr a0, mstatus; li t0, mask; and a0, a0, t0

TEST_BEGIN
    // ---- ECALL from M, S, U: cause, epc, tval = 0, who
    TEST_TRAP_TVAL(1, CAUSE_MACHINE_ECALL, 0, ecall)
    CHECK(s6, TRAP_M_FROM_M)
    ENTER_S
    TEST_TRAP_TVAL(2, CAUSE_SUPERVISOR_ECALL, 0, ecall)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    ENTER_U
    TEST_TRAP_TVAL(3, CAUSE_USER_ECALL, 0, ecall)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M

    // ---- MRET semantics, checked by returning to M (MPP = M)
    TESTNUM(4)
    MSTATUS_CLR MSTATUS_MIE | MSTATUS_MPP
    MSTATUS_SET MSTATUS_MPIE | MSTATUS_MPP_M
    la t0, 1f
    csrw mepc, t0
    mret
    j fail
1:  MS_FIELD(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
    // MIE <- MPIE (1), MPIE <- 1, MPP <- U (0)
    CHECK(a0, MSTATUS_MIE | MSTATUS_MPIE)
    MSTATUS_CLR MSTATUS_MIE
    TESTNUM(5)
    MSTATUS_CLR MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    MSTATUS_SET MSTATUS_MPP_M
    la t0, 2f
    csrw mepc, t0
    mret
    j fail
2:  MS_FIELD(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
    CHECK(a0, MSTATUS_MPIE)                // MIE <- MPIE (0), MPIE <- 1

    // ---- a trap saves MIE into MPIE and the mode into MPP
    TESTNUM(6)
    MSTATUS_CLR MSTATUS_MPIE | MSTATUS_MPP
    MSTATUS_SET MSTATUS_MIE                // no interrupt is enabled in mie
    la s10, 12f
    ecall
12: MS_FIELD(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
    // trap: MPIE <- MIE = 1, MIE <- 0, MPP <- M; handler's mret: MIE <- 1, MPIE <- 1, MPP <- U
    CHECK(a0, MSTATUS_MIE | MSTATUS_MPIE)
    MSTATUS_CLR MSTATUS_MIE

    // ---- MRET to S, then observe the state from M after an ecall
    TESTNUM(7)
    MSTATUS_CLR MSTATUS_MPP | MSTATUS_MIE
    MSTATUS_SET MSTATUS_MPP_S | MSTATUS_MPIE
    la t0, 3f
    csrw mepc, t0
    mret
3:  li a7, SVC_GOTO_M
    ecall                                  // trap from S: MPP = S, MPIE <- MIE (was set by mret)
    CHECK(s6, TRAP_M_FROM_S)               // the mret did go to S

    // ---- MRET to M keeps MPRV (MRET to a lower mode clears it: priv-mprv-clear.S)
    TESTNUM(9)
    MSTATUS_CLR MSTATUS_MPP
    MSTATUS_SET MSTATUS_MPRV | MSTATUS_MPP_M
    la t0, 4f
    csrw mepc, t0
    mret
4:  MS_FIELD(MSTATUS_MPRV)
    CHECK(a0, MSTATUS_MPRV)
    MSTATUS_CLR MSTATUS_MPRV

    // ---- SRET from M-mode to U (SPP = U): SIE <- SPIE, SPIE <- 1, SPP <- U
    TESTNUM(10)
    MSTATUS_CLR MSTATUS_SPP | MSTATUS_SIE
    MSTATUS_SET MSTATUS_SPIE
    la t0, 5f
    csrw sepc, t0
    sret
5:  TEST_TRAP(11, CAUSE_USER_ECALL, ecall) // we are in U now
    ENTER_M
    TESTNUM(12)
    MS_FIELD(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)
    CHECK(a0, MSTATUS_SIE | MSTATUS_SPIE)

    // ---- SRET in S-mode to S (SPP = S) and to U (SPP = U)
    ENTER_S
    TESTNUM(13)
    li t0, MSTATUS_SPP | MSTATUS_SPIE
    csrs sstatus, t0
    csrci sstatus, MSTATUS_SIE
    la t0, 6f
    csrw sepc, t0
    sret
6:  csrr a0, sstatus                       // still S: sstatus is accessible
    li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
    and a0, a0, t0
    CHECK(a0, MSTATUS_SIE | MSTATUS_SPIE)  // SIE <- 1, SPIE <- 1, SPP <- U
    csrci sstatus, MSTATUS_SIE
    TESTNUM(14)
    la t0, 7f
    csrw sepc, t0
    sret                                   // SPP = U now
7:  TEST_TRAP(15, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, sstatus)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M

    // ---- MRET in S / U, SRET in U are illegal; mtval = encoding
    ENTER_S
    TEST_TRAP_TVAL(16, CAUSE_ILLEGAL_INSTRUCTION, 0x30200073, mret)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    ENTER_U
    TEST_TRAP_TVAL(17, CAUSE_ILLEGAL_INSTRUCTION, 0x30200073, mret)
    TEST_TRAP_TVAL(18, CAUSE_ILLEGAL_INSTRUCTION, 0x10200073, sret)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M

    // ---- delegated trap into S from U: SPP = U, SPIE <- SIE, SIE <- 0, sepc/scause
    //      (the S handler's sret then restores SIE <- SPIE, SPIE <- 1, SPP <- U)
    li t0, 1 << CAUSE_USER_ECALL
    csrw medeleg, t0
    MSTATUS_CLR MSTATUS_SPIE
    MSTATUS_SET MSTATUS_SIE | MSTATUS_SPP
    ENTER_U
    TEST_TRAP_TVAL(19, CAUSE_USER_ECALL, 0, ecall)
    CHECK(s6, TRAP_S_FROM_U)
    // a non-delegated exception from U goes to M: there, look at the S-level state
    TEST_TRAP(20, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mstatus)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M                                // (forwarded by the S handler)
    TESTNUM(21)
    csrw medeleg, zero
    MS_FIELD(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)
    // case 19: trap SPIE <- SIE = 1, SIE <- 0, SPP <- U, then sret SIE <- SPIE = 1.
    // The forwarded ENTER_M was one more delegated trap from U (without sret):
    // SPIE <- SIE = 1 (so the sret did restore SIE), SIE <- 0, SPP <- U.
    CHECK(a0, MSTATUS_SPIE)
    csrr a0, scause                        // the forwarded service call was a U ecall
    CHECK(a0, CAUSE_USER_ECALL)
    // ---- delegated trap from S to S: SPP = S
    TESTNUM(22)
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    MSTATUS_CLR MSTATUS_SPP | MSTATUS_SIE
    ENTER_S
    TEST_TRAP(22, CAUSE_BREAKPOINT, ebreak)
    CHECK(s6, TRAP_S_FROM_S)
    ENTER_M
    csrw medeleg, zero
    // ---- a delegated cause raised in M-mode is still taken in M (never delegated down)
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    TEST_TRAP(23, CAUSE_BREAKPOINT, ebreak)
    CHECK(s6, TRAP_M_FROM_M)
    csrw medeleg, zero
    // ---- SRET executed in M-mode with SPP = S goes to S
    TESTNUM(24)
    MSTATUS_SET MSTATUS_SPP
    la t0, 11f
    csrw sepc, t0
    sret
11: TEST_CASE(25, a0, 0x77, li a1, 0x77; csrw sscratch, a1; csrr a0, sscratch)   // S-mode CSR ok
    TEST_TRAP(26, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mscratch)                  // but not M
    ENTER_M
    la t0, s_save_area
    csrw sscratch, t0
TEST_END
