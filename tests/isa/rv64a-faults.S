// rv64a-faults.S - exceptions raised by AMOs and SC (unprivileged spec 8.2, 8.4,
// privileged spec 3.1.15 "Exception codes"): AMOs and SC are stores for exception
// purposes ("Store/AMO"), and misaligned LR/SC/AMOs are not emulated, so
//   * a misaligned AMO raises Store/AMO address misaligned (cause 6), tval = address,
//     and memory is not modified (no Zam: AMOs are not emulated when misaligned);
//   * an AMO to an address with no memory/device raises Store/AMO access fault
//     (cause 7), tval = address.
//   * the same holds for SC.W/SC.D, even while a reservation is held.
// QEMU 7.2 deviates (listed in qemu-skip.txt): it reports AMO faults as LOAD
// exceptions (causes 4 and 5), and a misaligned or unmapped SC just fails (rd = 1)
// without trapping because the address never matches the reservation.
#include "macros.h"
TEST_BEGIN
    la s0, cell
    sd zero, 0(s0)
    sd zero, 8(s0)
    li a2, 1
    addi s1, s0, 2
    TEST_TRAP(1, CAUSE_MISALIGNED_STORE, amoadd.w a0, a2, (s1))
    CHECK_REG(s8, s1)
    addi s1, s0, 4
    TEST_TRAP(2, CAUSE_MISALIGNED_STORE, amoswap.d a0, a2, (s1))
    CHECK_REG(s8, s1)
    addi s1, s0, 1
    TEST_TRAP(3, CAUSE_MISALIGNED_STORE, amoor.d a0, a2, (s1))
    CHECK_REG(s8, s1)
    addi s1, s0, 6
    TEST_TRAP(4, CAUSE_MISALIGNED_STORE, amomaxu.w a0, a2, (s1))
    CHECK_REG(s8, s1)
    addi s1, s0, 3
    TEST_TRAP(5, CAUSE_MISALIGNED_STORE, amominu.d a0, a2, (s1))
    CHECK_REG(s8, s1)
    TESTNUM(6)
    ld a3, 0(s0)
    CHECK(a3, 0)
    ld a3, 8(s0)
    CHECK(a3, 0)
    // ---- AMO to an address with no memory or device
    li s1, UNMAPPED_ADDR
    TEST_TRAP(7, CAUSE_STORE_ACCESS, amoadd.d a0, a2, (s1))
    CHECK_REG(s8, s1)
    TEST_TRAP(8, CAUSE_STORE_ACCESS, amoswap.w a0, a2, (s1))
    CHECK_REG(s8, s1)
    // ---- SC.W / SC.D misaligned: cause 6 (reservation held on the aligned word)
    la s0, cell
    sd zero, 0(s0)
    sd zero, 8(s0)
    lr.d a0, (s0)
    addi s1, s0, 4
    TEST_TRAP(9, CAUSE_MISALIGNED_STORE, sc.d a0, a2, (s1))
    CHECK_REG(s8, s1)
    lr.w a0, (s0)
    addi s1, s0, 1
    TEST_TRAP(10, CAUSE_MISALIGNED_STORE, sc.w a0, a2, (s1))
    CHECK_REG(s8, s1)
    TESTNUM(11)
    ld a3, 0(s0)
    CHECK(a3, 0)
    ld a3, 8(s0)
    CHECK(a3, 0)
    // ---- SC to an unmapped address: store/AMO access fault
    li s1, UNMAPPED_ADDR
    TEST_TRAP(12, CAUSE_STORE_ACCESS, sc.w a0, a2, (s1))
    CHECK_REG(s8, s1)
    TEST_TRAP(13, CAUSE_STORE_ACCESS, sc.d a0, a2, (s1))
    CHECK_REG(s8, s1)
TEST_END

    .data
    .align 4
cell: .dword 0, 0
