// rv64i-mem.S - RV64I loads and stores (unprivileged spec 2.6, 5.3): sign and zero
// extension of LB/LH/LW/LBU/LHU/LWU, LD/SD, partial stores leaving neighbours
// untouched, negative offsets, FENCE, and MISALIGNED loads/stores, which rvisor
// (like QEMU) performs without trapping (spec 2.6 permits either behaviour for
// regular accesses), including accesses spanning a 4 KiB page boundary.
#include "macros.h"
TEST_BEGIN
    la s0, buf
    li a0, 0x8877665544332211
    sd a0, 0(s0)
    li a0, 0xf0e0d0c0b0a09080
    sd a0, 8(s0)

    // ---- loads: little-endian, sign / zero extension
    TEST_CASE( 1, a0, 0x8877665544332211, ld a0, 0(s0))
    TEST_CASE( 2, a0, 0x0000000000000011, lb a0, 0(s0))
    TEST_CASE( 3, a0, 0xffffffffffffff88, lb a0, 7(s0))
    TEST_CASE( 4, a0, 0x0000000000000088, lbu a0, 7(s0))
    TEST_CASE( 5, a0, 0x0000000000002211, lh a0, 0(s0))
    TEST_CASE( 6, a0, 0xffffffffffff8877, lh a0, 6(s0))
    TEST_CASE( 7, a0, 0x0000000000008877, lhu a0, 6(s0))
    TEST_CASE( 8, a0, 0x0000000044332211, lw a0, 0(s0))
    TEST_CASE( 9, a0, 0xffffffff88776655, lw a0, 4(s0))
    TEST_CASE(10, a0, 0x0000000088776655, lwu a0, 4(s0))
    TEST_CASE(11, a0, 0xffffffffffffff90, lb a0, 9(s0))
    // negative offsets
    TEST_CASE(12, a0, 0x8877665544332211, addi a1, s0, 8; ld a0, -8(a1))
    TEST_CASE(13, a0, 0xffffffffffffff80, addi a1, s0, 2047; addi a1, a1, 1; lb a0, -2040(a1))

    // ---- stores write only their width
    TESTNUM(14)
    li a0, -1
    sd a0, 16(s0)
    li a0, 0x1234
    sb a0, 16(s0)
    ld a1, 16(s0)
    CHECK(a1, 0xffffffffffffff34)
    TESTNUM(15)
    li a0, 0xabcd5678
    sh a0, 18(s0)
    ld a1, 16(s0)
    CHECK(a1, 0xffffffff5678ff34)
    TESTNUM(16)
    li a0, 0x0102030405060708
    sw a0, 20(s0)
    ld a1, 16(s0)
    CHECK(a1, 0x050607085678ff34)
    TESTNUM(17)
    sd zero, 16(s0)
    ld a1, 16(s0)
    CHECK(a1, 0)
    // store then load of the same register (rs2 == base)
    TESTNUM(18)
    addi a1, s0, 24
    sd a1, 0(a1)
    ld a2, 24(s0)
    CHECK_REG(a1, a2)
    // a load to x0 still executes (no effect); a load into the base register
    TESTNUM(19)
    ld x0, 0(s0)
    mv a1, s0
    ld a1, 0(a1)
    CHECK(a1, 0x8877665544332211)

    // ---- FENCE variants execute as no-ops here
    TEST_NO_TRAP(20, fence; fence rw, rw; fence r, r; fence w, w; fence i, o; fence.tso)

    // ---- misaligned loads and stores: performed, no trap
    // buf[0..15] = 11 22 33 44 55 66 77 88 80 90 a0 b0 c0 d0 e0 f0
    TEST_CASE(21, a0, 0x8088776655443322, ld a0, 1(s0))
    TEST_CASE(22, a0, 0xa090808877665544, ld a0, 3(s0))
    TEST_CASE(23, a0, 0xffffffff80887766, lw a0, 5(s0))
    TEST_CASE(24, a0, 0xffffffffffff8088, lh a0, 7(s0))
    TEST_CASE(25, a0, 0x0000000000008088, lhu a0, 7(s0))
    TEST_CASE(26, a0, 0x00000000a0908088, lwu a0, 7(s0))
    TESTNUM(27)
    li a0, 0x1122334455667788
    sd a0, 33(s0)                 // misaligned doubleword store
    ld a1, 33(s0)
    CHECK_REG(a0, a1)
    lbu a1, 33(s0)
    CHECK(a1, 0x88)
    lbu a1, 40(s0)
    CHECK(a1, 0x11)
    TESTNUM(28)
    li a0, 0xdeadbeef
    sw a0, 49(s0)
    lwu a1, 49(s0)
    CHECK(a1, 0xdeadbeef)
    TESTNUM(29)
    li a0, 0xcafe
    sh a0, 63(s0)
    lhu a1, 63(s0)
    CHECK(a1, 0xcafe)
    lbu a1, 64(s0)
    CHECK(a1, 0xca)

    // ---- misaligned accesses spanning a page boundary (page_a | page_b contiguous)
    TESTNUM(30)
    la s1, page_b
    li a0, 0x0123456789abcdef
    sd a0, -3(s1)                 // 3 bytes in page_a, 5 bytes in page_b
    ld a1, -3(s1)
    CHECK_REG(a0, a1)
    lbu a1, -3(s1)
    CHECK(a1, 0xef)
    lbu a1, -1(s1)
    CHECK(a1, 0xab)
    lbu a1, 0(s1)
    CHECK(a1, 0x89)
    lbu a1, 4(s1)
    CHECK(a1, 0x01)
    TESTNUM(31)
    li a0, 0x8badf00d
    sw a0, -1(s1)
    lw a1, -1(s1)
    CHECK(a1, 0xffffffff8badf00d)
    TESTNUM(32)
    li a0, 0xbeef
    sh a0, -1(s1)
    lh a1, -1(s1)
    CHECK(a1, 0xffffffffffffbeef)
    lbu a1, 0(s1)
    CHECK(a1, 0xbe)
TEST_END

    .data
    .align 3
buf: .skip 128
    .bss
    .align 12
page_a: .skip 4096
page_b: .skip 4096
