// delegation.S - exception delegation (privileged spec 3.1.8 medeleg/mideleg):
//   * medeleg has a writable bit for every delegable exception (0-9, 12, 13, 15);
//   * mideleg: SSI/STI/SEI bits writable; the machine-level interrupt bits MSI/MTI/
//     MEI are read-only zero (QEMU 7.2 behaviour; the spec allows that choice);
//   * a delegated exception raised in S or U is taken in S-mode (the S handler runs,
//     not the M handler): scause, stval, sepc are written; stval follows the same
//     rules as mtval (instruction bits, address, 0);
//   * exceptions are never delegated to a lower mode: raised in M they stay in M;
//   * a non-delegated exception from U/S still goes to M.
#include "macros.h"

#define DELEGABLE ((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | \
                   (1 << 7) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15))
TEST_BEGIN
    // ---- writable bits
    TESTNUM(1)
    li t0, DELEGABLE
    csrw medeleg, t0
    csrr a0, medeleg
    and a0, a0, t0
    CHECK(a0, DELEGABLE)
    csrw medeleg, zero
    csrr a0, medeleg
    CHECK(a0, 0)
    TESTNUM(2)
    li t0, -1
    csrw mideleg, t0
    csrr a0, mideleg
    andi a1, a0, MIP_SSIP | MIP_STIP | MIP_SEIP
    CHECK(a1, MIP_SSIP | MIP_STIP | MIP_SEIP)
    li t0, MIP_MSIP | MIP_MTIP | MIP_MEIP
    and a1, a0, t0
    CHECK(a1, 0)
    csrw mideleg, zero

    // ---- delegated exceptions from U go to S
    li t0, (1 << CAUSE_ILLEGAL_INSTRUCTION) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_LOAD_ACCESS) | \
           (1 << CAUSE_STORE_ACCESS) | (1 << CAUSE_FETCH_ACCESS) | (1 << CAUSE_USER_ECALL)
    csrw medeleg, t0
    li s0, UNMAPPED_ADDR
    ENTER_U
    TEST_TRAP_TVAL(3, CAUSE_ILLEGAL_INSTRUCTION, 0x0000000b, .word 0x0000000b)
    CHECK(s6, TRAP_S_FROM_U)
    TEST_TRAP_TVAL(4, CAUSE_BREAKPOINT, 0, ebreak)
    CHECK(s6, TRAP_S_FROM_U)
    TEST_TRAP(5, CAUSE_LOAD_ACCESS, lw a0, 8(s0))
    CHECK(s6, TRAP_S_FROM_U)
    addi t0, s0, 8
    CHECK_REG(s8, t0)
    TEST_TRAP(6, CAUSE_STORE_ACCESS, sb a0, 3(s0))
    addi t0, s0, 3
    CHECK_REG(s8, t0)
    TEST_TRAP_ANY_EPC(7, CAUSE_FETCH_ACCESS, jalr ra, s0)
    CHECK(s6, TRAP_S_FROM_U)
    CHECK_REG(s7, s0)
    CHECK_REG(s8, s0)
    TEST_TRAP_TVAL(8, CAUSE_USER_ECALL, 0, ecall)
    CHECK(s6, TRAP_S_FROM_U)
    // not delegated (misaligned load, cause 4): taken in M
    la t1, scratch + 2
    TEST_TRAP(9, CAUSE_MISALIGNED_LOAD, lr.w a0, (t1))
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M                                // (forwarded through S: ecalls from U are delegated)
    csrw medeleg, zero
    // ---- delegated trap from S to S; scause/stval/sepc visible from M afterwards
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    ENTER_S
    TEST_TRAP_TVAL(10, CAUSE_BREAKPOINT, 0, ebreak)
    CHECK(s6, TRAP_S_FROM_S)
    ENTER_M
    TESTNUM(11)
    csrr t0, mcause                        // the ecall of ENTER_M went to M
    CHECK(t0, CAUSE_SUPERVISOR_ECALL)
    TESTNUM(12)                            // scause/sepc/stval hold the delegated trap
    csrr t0, scause
    CHECK(t0, CAUSE_BREAKPOINT)
    csrr t0, stval
    CHECK(t0, 0)
    csrw medeleg, zero
    // ---- delegated access fault from S, then a non-delegated one
    li t0, (1 << CAUSE_LOAD_ACCESS)
    csrw medeleg, t0
    ENTER_S
    TEST_TRAP(13, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
    CHECK(s6, TRAP_S_FROM_S)
    CHECK_REG(s8, s0)
    // a non-delegated trap from S goes to M
    TEST_TRAP(14, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mcause)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    csrw medeleg, zero

    // ---- exceptions in M-mode are never delegated
    li t0, DELEGABLE
    csrw medeleg, t0
    TEST_TRAP(16, CAUSE_ILLEGAL_INSTRUCTION, .word 0x0000000b)
    CHECK(s6, TRAP_M_FROM_M)
    TEST_TRAP(17, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
    CHECK(s6, TRAP_M_FROM_M)
    TEST_TRAP(18, CAUSE_MACHINE_ECALL, ecall)
    CHECK(s6, TRAP_M_FROM_M)
    csrw medeleg, zero
TEST_END

    .data
    .align 3
scratch: .dword 0
