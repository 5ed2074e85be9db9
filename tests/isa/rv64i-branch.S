// rv64i-branch.S - control transfer (unprivileged spec 2.5): JAL/JALR link values,
// JALR clearing bit 0 of the target, rd == rs1 for JALR, and all six conditional
// branches taken / not taken with signed and unsigned edge values.
#include "macros.h"

// BR_TAKEN(n, op, v1, v2): the branch must be taken.
#define BR_TAKEN(n, op, v1, v2) \
    TESTNUM(n); li a1, v1; li a2, v2; op a1, a2, 7771f; j fail; 7771:
// BR_NOT_TAKEN(n, op, v1, v2): the branch must fall through.
#define BR_NOT_TAKEN(n, op, v1, v2) \
    TESTNUM(n); li a1, v1; li a2, v2; op a1, a2, fail

TEST_BEGIN
    BR_TAKEN    ( 1, beq, 0, 0)
    BR_TAKEN    ( 2, beq, -1, -1)
    BR_NOT_TAKEN( 3, beq, 0, 1)
    BR_NOT_TAKEN( 4, beq, 0x100000000, 0)         // all 64 bits compared
    BR_TAKEN    ( 5, bne, 0x100000000, 0)
    BR_NOT_TAKEN( 6, bne, 5, 5)
    BR_TAKEN    ( 7, blt, -1, 0)
    BR_NOT_TAKEN( 8, blt, 0, -1)
    BR_NOT_TAKEN( 9, blt, 3, 3)
    BR_TAKEN    (10, blt, 0x8000000000000000, 0x7fffffffffffffff)
    BR_TAKEN    (11, bge, 3, 3)
    BR_TAKEN    (12, bge, 0, -1)
    BR_NOT_TAKEN(13, bge, -1, 0)
    BR_NOT_TAKEN(14, bge, 0x8000000000000000, 0x7fffffffffffffff)
    BR_TAKEN    (15, bltu, 0, -1)
    BR_NOT_TAKEN(16, bltu, -1, 0)
    BR_NOT_TAKEN(17, bltu, 7, 7)
    BR_TAKEN    (18, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    BR_TAKEN    (19, bgeu, -1, 0)
    BR_TAKEN    (20, bgeu, 7, 7)
    BR_NOT_TAKEN(21, bgeu, 0, -1)
    BR_NOT_TAKEN(22, bgeu, 0x7fffffffffffffff, 0x8000000000000000)

    // ---- backward branch (negative offset) loop: 10 iterations
    TESTNUM(23)
    li a0, 0
    li a1, 10
1:  addi a0, a0, 1
    blt a0, a1, 1b
    CHECK(a0, 10)

    // ---- JAL: rd = pc + 4 (4-byte encoding forced)
    TESTNUM(24)
    .option push
    .option norvc
2:  jal ra, 3f
3:  la a1, 3b
    CHECK_REG(ra, a1)
    la a1, 2b
    addi a1, a1, 4
    CHECK_REG(ra, a1)
    .option pop

    // ---- JAL with rd = x0 (plain jump) does not write anything
    TESTNUM(25)
    li a0, 1
    jal x0, 4f
    li a0, 2
4:  CHECK(a0, 1)

    // ---- JALR: target = (rs1 + imm) & ~1, rd = pc + 4
    TESTNUM(26)
    .option push
    .option norvc
    la a1, 5f
    addi a1, a1, -3            // a1 = target - 3; imm 4 gives target + 1; bit 0 is cleared
6:  jalr t0, 4(a1)
    j fail
5:  la a2, 6b
    addi a2, a2, 4
    CHECK_REG(t0, a2)
    .option pop

    // ---- JALR with rd == rs1: the target uses the old rs1 value
    TESTNUM(27)
    .option push
    .option norvc
    la a1, 7f
8:  jalr a1, 0(a1)
    j fail
7:  la a2, 8b
    addi a2, a2, 4
    CHECK_REG(a1, a2)
    .option pop

    // ---- JALR with a negative immediate
    TESTNUM(28)
    la a1, 9f
    addi a1, a1, 16
    jalr x0, -16(a1)
    j fail
9:
    // ---- call / ret through a function
    TEST_CASE(29, a0, 42, li a0, 40; call add_two)
    // ---- branches with the same register
    BR_TAKEN    (30, bge, 0, 0)
    TESTNUM(31)
    li a1, 5
    bne a1, a1, fail
    blt a1, a1, fail
    bltu a1, a1, fail
    j 10f
10:
TEST_END

add_two:
    addi a0, a0, 2
    ret
