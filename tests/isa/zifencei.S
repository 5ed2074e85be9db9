// zifencei.S - Zifencei (unprivileged spec ch. 6): after a store to instruction
// memory, FENCE.I makes the new instruction visible to fetches of the same hart.
// Covers patching code in RAM that has already been executed (so a decoded-block
// or translation cache must be invalidated), patching a 16-bit instruction, and
// FENCE.I from U-mode.
#include "macros.h"
#define LI_A0_1 0x00100513                 // addi a0, zero, 1
#define LI_A0_2 0x00200513                 // addi a0, zero, 2
#define LI_A0_3 0x00300513                 // addi a0, zero, 3
#define C_LI_A0_5 0x4515                   // c.li a0, 5
#define C_LI_A0_6 0x4519                   // c.li a0, 6
TEST_BEGIN
    la s0, patch_area
    TESTNUM(1)
    jalr s0                               // run it once: returns 1
    CHECK(a0, 1)
    TESTNUM(2)
    li a1, LI_A0_2
    sw a1, 0(s0)
    fence.i
    jalr s0
    CHECK(a0, 2)
    TESTNUM(3)                            // patch again, executed many times in a loop
    li s1, 0
    li s2, 100
1:  jalr s0
    add s1, s1, a0
    addi s2, s2, -1
    bnez s2, 1b
    CHECK(s1, 200)
    li a1, LI_A0_3
    sw a1, 0(s0)
    fence.i
    jalr s0
    CHECK(a0, 3)
    TESTNUM(4)                            // 16-bit instruction patched with a halfword store
    la s1, patch_c
    jalr s1
    CHECK(a0, 5)
    li a1, C_LI_A0_6
    sh a1, 0(s1)
    fence.i
    jalr s1
    CHECK(a0, 6)
    TESTNUM(5)                            // patch the very next instruction in the stream
    la s1, 2f
    li a1, LI_A0_2
    li a0, 0
    sw a1, 0(s1)
    fence.i
    .option push
    .option norvc
2:  addi a0, zero, 1
    .option pop
    CHECK(a0, 2)
    // FENCE.I is allowed in U-mode
    ENTER_U
    TEST_NO_TRAP(6, fence.i)
    ENTER_M
TEST_END

    .data
    .align 2
    .option push
    .option norvc
patch_area:
    .word LI_A0_1
    ret
    .option pop
    .align 2
patch_c:
    .2byte C_LI_A0_5
    .2byte 0x8082                          // c.ret
