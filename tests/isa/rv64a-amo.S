// rv64a-amo.S - A extension AMOs (unprivileged spec ch. 8.4): every AMO in .W and .D
// width. Checks rd = old memory value (sign-extended from bit 31 for .W, even for
// the unsigned min/max), the new memory value, that .W only touches its word and
// ignores rs2[63:32], signed vs unsigned min/max, aq/rl variants, rd = x0, and
// Misaligned AMOs and AMO access faults are in rv64a-amo-faults.S.
#include "macros.h"

// AMO_TEST(n, insn, mem_before, rs2, expected_rd, expected_mem_after)
// (memory is the doubleword at `cell`; .W forms use its low word)
#define AMO_TEST(n, insn, mem, src, rd_exp, mem_exp) \
    TESTNUM(n); la s0, cell; li a1, mem; sd a1, 0(s0); li a2, src; \
    insn a0, a2, (s0); CHECK(a0, rd_exp); ld a3, 0(s0); CHECK(a3, mem_exp)

TEST_BEGIN
    // amoswap.w / amoswap.d
    AMO_TEST(1, amoswap.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a00000001)
    AMO_TEST(2, amoswap.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(3, amoswap.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5a12345678)
    AMO_TEST(4, amoswap.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a7fffffff)
    AMO_TEST(5, amoswap.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff0)
    AMO_TEST(6, amoswap.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x1)
    AMO_TEST(7, amoswap.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
    AMO_TEST(8, amoswap.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0x123456789abcdef)
    AMO_TEST(9, amoswap.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000000)
    // amoadd.w / amoadd.d
    AMO_TEST(10, amoadd.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a80000000)
    AMO_TEST(11, amoadd.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5a7fffffff)
    AMO_TEST(12, amoadd.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5a12345677)
    AMO_TEST(13, amoadd.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(14, amoadd.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff5)
    AMO_TEST(15, amoadd.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x8000000000000000)
    AMO_TEST(16, amoadd.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    AMO_TEST(17, amoadd.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0x123456789abcdee)
    AMO_TEST(18, amoadd.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000001)
    // amoxor.w / amoxor.d
    AMO_TEST(19, amoxor.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a7ffffffe)
    AMO_TEST(20, amoxor.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5a7fffffff)
    AMO_TEST(21, amoxor.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5aedcba987)
    AMO_TEST(22, amoxor.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(23, amoxor.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff5)
    AMO_TEST(24, amoxor.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x7ffffffffffffffe)
    AMO_TEST(25, amoxor.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    AMO_TEST(26, amoxor.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0xfedcba9876543210)
    AMO_TEST(27, amoxor.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000001)
    // amoand.w / amoand.d
    AMO_TEST(28, amoand.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a00000001)
    AMO_TEST(29, amoand.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5a80000000)
    AMO_TEST(30, amoand.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5a12345678)
    AMO_TEST(31, amoand.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a00000000)
    AMO_TEST(32, amoand.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5a00000000)
    AMO_TEST(33, amoand.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x1)
    AMO_TEST(34, amoand.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    AMO_TEST(35, amoand.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0x123456789abcdef)
    AMO_TEST(36, amoand.d, 0x1, 0x8000000000000000, 0x1, 0x0)
    // amoor.w / amoor.d
    AMO_TEST(37, amoor.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a7fffffff)
    AMO_TEST(38, amoor.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(39, amoor.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5affffffff)
    AMO_TEST(40, amoor.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(41, amoor.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff5)
    AMO_TEST(42, amoor.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x7fffffffffffffff)
    AMO_TEST(43, amoor.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
    AMO_TEST(44, amoor.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0xffffffffffffffff)
    AMO_TEST(45, amoor.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000001)
    // amomin.w / amomin.d
    AMO_TEST(46, amomin.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a00000001)
    AMO_TEST(47, amomin.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5a80000000)
    AMO_TEST(48, amomin.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5affffffff)
    AMO_TEST(49, amomin.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a80000000)
    AMO_TEST(50, amomin.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff0)
    AMO_TEST(51, amomin.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x1)
    AMO_TEST(52, amomin.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    AMO_TEST(53, amomin.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0xffffffffffffffff)
    AMO_TEST(54, amomin.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000000)
    // amomax.w / amomax.d
    AMO_TEST(55, amomax.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a7fffffff)
    AMO_TEST(56, amomax.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(57, amomax.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5a12345678)
    AMO_TEST(58, amomax.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a7fffffff)
    AMO_TEST(59, amomax.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5a00000005)
    AMO_TEST(60, amomax.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x7fffffffffffffff)
    AMO_TEST(61, amomax.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
    AMO_TEST(62, amomax.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0x123456789abcdef)
    AMO_TEST(63, amomax.d, 0x1, 0x8000000000000000, 0x1, 0x1)
    // amominu.w / amominu.d
    AMO_TEST(64, amominu.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a00000001)
    AMO_TEST(65, amominu.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5a80000000)
    AMO_TEST(66, amominu.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5a12345678)
    AMO_TEST(67, amominu.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a7fffffff)
    AMO_TEST(68, amominu.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5a00000005)
    AMO_TEST(69, amominu.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x1)
    AMO_TEST(70, amominu.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    AMO_TEST(71, amominu.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0x123456789abcdef)
    AMO_TEST(72, amominu.d, 0x1, 0x8000000000000000, 0x1, 0x1)
    // amomaxu.w / amomaxu.d
    AMO_TEST(73, amomaxu.w, 0x5a5a5a5a7fffffff, 0x1, 0x7fffffff, 0x5a5a5a5a7fffffff)
    AMO_TEST(74, amomaxu.w, 0x5a5a5a5a80000000, 0xffffffff, 0xffffffff80000000, 0x5a5a5a5affffffff)
    AMO_TEST(75, amomaxu.w, 0x5a5a5a5affffffff, 0x12345678, 0xffffffffffffffff, 0x5a5a5a5affffffff)
    AMO_TEST(76, amomaxu.w, 0x5a5a5a5a80000000, 0x7fffffff, 0xffffffff80000000, 0x5a5a5a5a80000000)
    AMO_TEST(77, amomaxu.w, 0x5a5a5a5a00000005, 0xabcdef00fffffff0, 0x5, 0x5a5a5a5afffffff0)
    AMO_TEST(78, amomaxu.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x7fffffffffffffff)
    AMO_TEST(79, amomaxu.d, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
    AMO_TEST(80, amomaxu.d, 0xffffffffffffffff, 0x123456789abcdef, 0xffffffffffffffff, 0xffffffffffffffff)
    AMO_TEST(81, amomaxu.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000000)
    // ---- aq / rl / aqrl variants behave the same
    AMO_TEST(82, amoadd.w.aq, 0x10, 0x1, 0x10, 0x11)
    AMO_TEST(83, amoadd.d.rl, 0x10, 0x1, 0x10, 0x11)
    AMO_TEST(84, amoswap.d.aqrl, 0x10, 0x7, 0x10, 0x7)
    // ---- rd = x0: memory is still updated
    TESTNUM(85)
    la s0, cell
    li a1, 40
    sd a1, 0(s0)
    li a2, 2
    amoadd.d x0, a2, (s0)
    ld a3, 0(s0)
    CHECK(a3, 42)
    // ---- rd == rs2: rd gets the old value, memory gets the old rs2
    TESTNUM(86)
    li a1, 5
    sd a1, 0(s0)
    li a2, 9
    amoswap.d a2, a2, (s0)
    CHECK(a2, 5)
    ld a3, 0(s0)
    CHECK(a3, 9)
    // ---- .W on the upper word of a doubleword
    TESTNUM(87)
    li a1, 0x8000000000000001
    sd a1, 0(s0)
    li a2, 1
    addi s1, s0, 4
    amoadd.w a0, a2, (s1)
    CHECK(a0, 0xffffffff80000000)
    ld a3, 0(s0)
    CHECK(a3, 0x8000000100000001)

    // (misaligned AMOs: see rv64a-misaligned.S)
    la s0, cell
    // (misaligned AMOs and AMO access faults: see rv64a-amo-faults.S)
TEST_END

    .data
    .align 4
cell: .dword 0, 0
