// mstatus-tvm-tw-tsr.S - virtualization support bits of mstatus (privileged spec
// 3.1.6.5):
//   * TVM = 1: satp accesses and SFENCE.VMA in S-mode raise illegal instruction
//     (M-mode unaffected);
//   * TW = 1: WFI in S-mode raises illegal instruction (QEMU: immediately, the
//     "implementation-specific bounded time" is 0);
//   * WFI in U-mode is illegal whenever S-mode exists, even with TW = 0 (QEMU 7.2's
//     choice among the options the spec gives);
//   * TSR = 1: SRET in S-mode raises illegal instruction (M-mode SRET unaffected).
// mtval = instruction bits in every case.
#include "macros.h"
#define WFI_BITS        0x10500073
#define SFENCE_BITS     0x12000073          // sfence.vma zero, zero
#define SFENCE_A0_BITS  0x12050073          // sfence.vma a0, zero
#define SRET_BITS       0x10200073
#define CSRR_SATP_BITS  0x18002573          // csrr a0, satp
#define CSRW_SATP_BITS  0x18001073          // csrw satp, zero
TEST_BEGIN
    // ---- TVM
    MSTATUS_SET MSTATUS_TVM
    TEST_NO_TRAP(1, csrr a0, satp; csrw satp, zero; sfence.vma)   // M-mode: fine
    ENTER_S
    TEST_TRAP_TVAL(2, CAUSE_ILLEGAL_INSTRUCTION, CSRR_SATP_BITS, .word CSRR_SATP_BITS)
    TEST_TRAP_TVAL(3, CAUSE_ILLEGAL_INSTRUCTION, CSRW_SATP_BITS, .word CSRW_SATP_BITS)
    TEST_TRAP_TVAL(4, CAUSE_ILLEGAL_INSTRUCTION, SFENCE_BITS, .word SFENCE_BITS)
    TEST_TRAP_TVAL(5, CAUSE_ILLEGAL_INSTRUCTION, SFENCE_A0_BITS, .word SFENCE_A0_BITS)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    MSTATUS_CLR MSTATUS_TVM
    ENTER_S
    TEST_NO_TRAP(6, csrr a0, satp; csrw satp, zero; sfence.vma; sfence.vma a0, zero)
    ENTER_M

    // ---- TW / WFI. To make WFI return at once, an interrupt is pending and enabled
    //      in mie/sie but globally masked: SSI delegated to S, sstatus.SIE = 0.
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    MSTATUS_CLR MSTATUS_SIE
    MSTATUS_SET MSTATUS_TW
    TEST_NO_TRAP(7, wfi)                   // M-mode ignores TW
    ENTER_S
    TEST_TRAP_TVAL(8, CAUSE_ILLEGAL_INSTRUCTION, WFI_BITS, wfi)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    MSTATUS_CLR MSTATUS_TW
    ENTER_S
    TEST_NO_TRAP(9, wfi)                   // TW = 0: returns (interrupt pending)
    ENTER_M
    // U-mode: illegal with TW = 0 and with TW = 1 (SSI pending in U would be taken,
    // so clear it first; WFI must trap before waiting anyway)
    csrw mip, zero
    ENTER_U
    TEST_TRAP_TVAL(10, CAUSE_ILLEGAL_INSTRUCTION, WFI_BITS, wfi)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M
    MSTATUS_SET MSTATUS_TW
    ENTER_U
    TEST_TRAP_TVAL(11, CAUSE_ILLEGAL_INSTRUCTION, WFI_BITS, wfi)
    ENTER_M
    MSTATUS_CLR MSTATUS_TW
    csrw mideleg, zero
    csrw mie, zero

    // ---- TSR
    MSTATUS_SET MSTATUS_TSR
    ENTER_S
    la t0, 1f
    csrw sepc, t0
    li t0, MSTATUS_SPP
    csrs sstatus, t0
    TEST_TRAP_TVAL(12, CAUSE_ILLEGAL_INSTRUCTION, SRET_BITS, sret)
    CHECK(s6, TRAP_M_FROM_S)
1:  ENTER_M
    TESTNUM(13)                            // M-mode SRET ignores TSR
    MSTATUS_SET MSTATUS_SPP
    la t0, 2f
    csrw sepc, t0
    sret
    j fail
2:  ENTER_M                                // (we are in S now)
    MSTATUS_CLR MSTATUS_TSR
    ENTER_S
    TESTNUM(14)                            // TSR = 0: SRET in S works (to S)
    li t0, MSTATUS_SPP
    csrs sstatus, t0
    la t0, 3f
    csrw sepc, t0
    sret
    j fail
3:  csrr a0, sstatus                       // still S
    ENTER_M
    // ---- the three bits are writable and read back
    TESTNUM(15)
    li t0, MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    csrs mstatus, t0
    csrr a0, mstatus
    and a0, a0, t0
    CHECK_REG(a0, t0)
    csrc mstatus, t0
TEST_END
