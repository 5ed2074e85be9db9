// traps-exceptions.S - synchronous exceptions without paging (privileged spec 3.1.15
// mcause, 3.1.16 mepc, 3.1.17 mtval), raised from M, S and U-mode and taken in M:
//   1 instruction access fault: jump to an address with nothing behind it;
//     mepc = mtval = that address;
//   3 breakpoint: EBREAK / C.EBREAK; mepc = the instruction; mtval = 0 (QEMU 7.2
//     writes 0; the spec also allows the pc);
//   5 load access fault / 7 store access fault on unmapped addresses (integer and FP
//     loads/stores of every width); mtval = the faulting address;
//   8/9/11 environment calls; mtval = 0.
// Illegal instructions (2) are in traps-illegal.S, misaligned LR/SC/AMO (4/6) in
// rv64a-lrsc.S / rv64a-faults.S, page faults (12/13/15) in mmu-*.S.
#include "macros.h"

// Jump to an unmapped address: expect an instruction access fault there.
#define FETCH_FAULT(n, addr) \
    li a1, addr; TEST_TRAP_ANY_EPC(n, CAUSE_FETCH_ACCESS, jalr ra, a1); \
    CHECK(s7, addr); CHECK(s8, addr)

TEST_BEGIN
    // ---- instruction access fault
    FETCH_FAULT(1, UNMAPPED_ADDR)
    CHECK(s6, TRAP_M_FROM_M)
    FETCH_FAULT(2, UNMAPPED_ADDR + 0x1002)    // 2-byte aligned target
    // ---- load access faults, all widths; mtval = address; rd not written
    li s0, UNMAPPED_ADDR + 0x40
    li a0, 0x5a
    TEST_TRAP(3, CAUSE_LOAD_ACCESS, lb a0, 0(s0))
    CHECK_REG(s8, s0)
    CHECK(a0, 0x5a)
    TEST_TRAP(4, CAUSE_LOAD_ACCESS, lhu a0, 2(s0))
    addi t0, s0, 2
    CHECK_REG(s8, t0)
    TEST_TRAP(5, CAUSE_LOAD_ACCESS, lw a0, -4(s0))
    addi t0, s0, -4
    CHECK_REG(s8, t0)
    TEST_TRAP(6, CAUSE_LOAD_ACCESS, ld a0, 8(s0))
    addi t0, s0, 8
    CHECK_REG(s8, t0)
    TEST_TRAP(7, CAUSE_LOAD_ACCESS, flw fa0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(8, CAUSE_LOAD_ACCESS, c.ld a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(9, CAUSE_LOAD_ACCESS, fld fa0, 16(s0))
    addi t0, s0, 16
    CHECK_REG(s8, t0)
    // ---- store access faults
    TEST_TRAP(10, CAUSE_STORE_ACCESS, sb a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(11, CAUSE_STORE_ACCESS, sh a0, 6(s0))
    addi t0, s0, 6
    CHECK_REG(s8, t0)
    TEST_TRAP(12, CAUSE_STORE_ACCESS, sw a0, 0(s0))
    TEST_TRAP(13, CAUSE_STORE_ACCESS, sd a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(14, CAUSE_STORE_ACCESS, fsd fa0, 0(s0))
    TEST_TRAP(15, CAUSE_STORE_ACCESS, c.sw a0, 4(s0))
    addi t0, s0, 4
    CHECK_REG(s8, t0)
    // ---- breakpoint
    TEST_TRAP_TVAL(16, CAUSE_BREAKPOINT, 0, ebreak)
    TEST_TRAP_TVAL(17, CAUSE_BREAKPOINT, 0, c.ebreak)
    // ---- environment call from M
    TEST_TRAP_TVAL(18, CAUSE_MACHINE_ECALL, 0, ecall)

    // ---- the same from S-mode (taken in M: nothing delegated)
    ENTER_S
    FETCH_FAULT(19, UNMAPPED_ADDR)
    CHECK(s6, TRAP_M_FROM_S)
    TEST_TRAP(20, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(21, CAUSE_STORE_ACCESS, sw a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP_TVAL(22, CAUSE_BREAKPOINT, 0, ebreak)
    CHECK(s6, TRAP_M_FROM_S)
    TEST_TRAP_TVAL(23, CAUSE_SUPERVISOR_ECALL, 0, ecall)
    ENTER_M
    // ---- and from U-mode
    ENTER_U
    FETCH_FAULT(24, UNMAPPED_ADDR)
    CHECK(s6, TRAP_M_FROM_U)
    TEST_TRAP(25, CAUSE_LOAD_ACCESS, lw a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(26, CAUSE_STORE_ACCESS, sd a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP_TVAL(27, CAUSE_BREAKPOINT, 0, c.ebreak)
    CHECK(s6, TRAP_M_FROM_U)
    TEST_TRAP_TVAL(28, CAUSE_USER_ECALL, 0, ecall)
    ENTER_M

    // ---- a trapping store has no effect; a trapping load does not write rd
    TESTNUM(29)
    li a0, 0x1234
    li s9, -1
    la s10, 1f
    ld a0, 0(s0)
1:  CHECK(s9, CAUSE_LOAD_ACCESS)
    CHECK(a0, 0x1234)
    // ---- mepc points at the faulting instruction even in a branch delay... (no delay
    //      slots): a fault right after a taken branch reports the target
    TESTNUM(30)
    li s9, -1
    la s10, 3f
    j 2f
    nop
2:  sd a0, 0(s0)
3:  CHECK(s9, CAUSE_STORE_ACCESS)
    la t0, 2b
    CHECK_REG(s7, t0)
TEST_END
