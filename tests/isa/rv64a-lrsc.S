// rv64a-lrsc.S - LR/SC (unprivileged spec 8.2). Behaviour follows QEMU 7.2, whose SC
// succeeds iff a reservation is held, the SC address equals the LR address, and the
// memory still holds the value LR loaded (compare-and-swap against the LR value):
//   * LR.W sign-extends; LR.D/SC.D and LR.W/SC.W pairs succeed (rd = 0) and store;
//   * SC without any prior LR fails with rd = 1 and does not store;
//   * every SC (successful or not) clears the reservation: a second SC fails;
//   * SC to a different address than the LR fails and does not store;
//   * an intervening store of a DIFFERENT value to the reserved address makes the
//     SC fail; (QEMU: a store of the SAME value does not - see case 12);
//   * misaligned LR raises load address misaligned (4), tval = address;
//   * LR to an unmapped address raises a load access fault (5).
// SC exceptions (misaligned -> 6, unmapped -> 7) are in rv64a-faults.S: QEMU 7.2
// never traps on them (its SC compares the address with the reservation first
// and simply fails).
// The failure code written by a failing SC is 1 (spec: "nonzero"; QEMU writes 1).
#include "macros.h"
TEST_BEGIN
    la s0, cell

    // 1: SC with no reservation at all (none since reset) fails, memory untouched
    TESTNUM(1)
    li a1, 0x1111
    sd a1, 0(s0)
    li a2, 0x2222
    sc.d a0, a2, (s0)
    CHECK(a0, 1)
    ld a3, 0(s0)
    CHECK(a3, 0x1111)

    // 2: LR.D / SC.D succeed
    TESTNUM(2)
    lr.d a0, (s0)
    CHECK(a0, 0x1111)
    li a2, 0x3333
    sc.d a0, a2, (s0)
    CHECK(a0, 0)
    ld a3, 0(s0)
    CHECK(a3, 0x3333)

    // 3: the SC above consumed the reservation: another SC fails
    TESTNUM(3)
    li a2, 0x4444
    sc.d a0, a2, (s0)
    CHECK(a0, 1)
    ld a3, 0(s0)
    CHECK(a3, 0x3333)

    // 4: LR.W sign-extends the loaded word; SC.W writes only 32 bits
    TESTNUM(4)
    li a1, 0x5a5a5a5a80000000
    sd a1, 0(s0)
    lr.w a0, (s0)
    CHECK(a0, 0xffffffff80000000)
    li a2, 0xffffffff00000007
    sc.w a0, a2, (s0)
    CHECK(a0, 0)
    ld a3, 0(s0)
    CHECK(a3, 0x5a5a5a5a00000007)

    // 5: a failed SC also clears the reservation (fail, then retry without LR fails)
    TESTNUM(5)
    lr.d a0, (s0)
    addi s1, s0, 8
    sd zero, 0(s1)
    li a2, 9
    sc.d a0, a2, (s1)            // different address than the LR: fails
    CHECK(a0, 1)
    ld a3, 0(s1)
    CHECK(a3, 0)
    sc.d a0, a2, (s0)            // reservation is gone now
    CHECK(a0, 1)
    ld a3, 0(s0)
    CHECK(a3, 0x5a5a5a5a00000007)

    // 6: intervening store of a different value to the reserved address: SC fails
    TESTNUM(6)
    li a1, 100
    sd a1, 0(s0)
    lr.d a0, (s0)
    li a1, 101
    sd a1, 0(s0)
    li a2, 102
    sc.d a0, a2, (s0)
    CHECK(a0, 1)
    ld a3, 0(s0)
    CHECK(a3, 101)

    // 7: same with .W and a sub-word store into the reserved word
    TESTNUM(7)
    sw zero, 0(s0)
    lr.w a0, (s0)
    li a1, 0x7f
    sb a1, 1(s0)
    li a2, 5
    sc.w a0, a2, (s0)
    CHECK(a0, 1)
    lw a3, 0(s0)
    CHECK(a3, 0x7f00)

    // 8: an AMO that changes the reserved word also makes the SC fail
    TESTNUM(8)
    li a1, 1
    sd a1, 0(s0)
    lr.d a0, (s0)
    amoadd.d zero, a1, (s0)
    sc.d a0, a1, (s0)
    CHECK(a0, 1)
    ld a3, 0(s0)
    CHECK(a3, 2)

    // 9: a newer LR replaces the reservation: SC to the first address fails,
    //    SC to the second one succeeds
    TESTNUM(9)
    addi s1, s0, 8
    sd zero, 0(s0)
    sd zero, 0(s1)
    lr.d a0, (s0)
    lr.d a0, (s1)
    li a2, 77
    sc.d a0, a2, (s0)
    CHECK(a0, 1)
    lr.d a0, (s0)
    lr.d a0, (s1)
    sc.d a0, a2, (s1)
    CHECK(a0, 0)
    ld a3, 0(s1)
    CHECK(a3, 77)
    ld a3, 0(s0)
    CHECK(a3, 0)

    // 10: aq/rl variants and rd == rs2
    TESTNUM(10)
    li a1, 3
    sd a1, 0(s0)
    lr.d.aq a0, (s0)
    addi a0, a0, 1
    sc.d.rl a0, a0, (s0)
    CHECK(a0, 0)
    ld a3, 0(s0)
    CHECK(a3, 4)

    // 11: a typical LR/SC retry loop (atomic increment) completes
    TESTNUM(11)
    li a1, 10
    sd a1, 0(s0)
1:  lr.d a0, (s0)
    addi a0, a0, 5
    sc.d a2, a0, (s0)
    bnez a2, 1b
    ld a3, 0(s0)
    CHECK(a3, 15)

    // 12: QEMU 7.2 behaviour: an intervening store that writes the SAME value the
    //     LR observed does not make the SC fail (SC is a compare-and-swap against
    //     the LR value); a store to a different doubleword does not either.
    TESTNUM(12)
    li a1, 55
    sd a1, 0(s0)
    lr.d a0, (s0)
    sd a1, 0(s0)
    li a2, 56
    sc.d a0, a2, (s0)
    CHECK(a0, 0)
    ld a3, 0(s0)
    CHECK(a3, 56)
    TESTNUM(13)
    lr.d a0, (s0)
    li a1, 99
    sd a1, 8(s0)
    li a2, 57
    sc.d a0, a2, (s0)
    CHECK(a0, 0)
    ld a3, 0(s0)
    CHECK(a3, 57)

    // 14..15: misaligned LR traps (no emulation), tval = address, no store
    addi s1, s0, 4
    TEST_TRAP(14, CAUSE_MISALIGNED_LOAD, lr.d a0, (s1))
    CHECK_REG(s8, s1)
    addi s1, s0, 2
    TEST_TRAP(15, CAUSE_MISALIGNED_LOAD, lr.w a0, (s1))
    CHECK_REG(s8, s1)
    // (misaligned SC and SC access faults: rv64a-faults.S)
    // 19: unmapped address: load access fault for LR
    li s1, UNMAPPED_ADDR
    TEST_TRAP(19, CAUSE_LOAD_ACCESS, lr.d a0, (s1))
    CHECK_REG(s8, s1)
TEST_END

    .data
    .align 4
cell: .dword 0, 0
