// smc.S - self-modifying code that is hot, i.e. that a translating implementation has already
// compiled when it is modified (Zifencei, unprivileged spec ch. 6: after stores to instruction
// memory, a FENCE.I makes them visible to the instruction fetches of the same hart).
// Every piece of code is first run thousands of times in a loop (rvisor's JIT translates a 4 KiB
// page after ~2000 interpreted instructions in it; the test runner uses 10), then patched with a
// store + FENCE.I while it is hot, and the new behaviour is checked through an accumulated sum:
//   1-2   a loop patching an immediate of an instruction of the same loop (every iteration; every
//         256 iterations so the loop runs translated between patches)
//   3-6   code copied into a RAM buffer, called 6000 times, overwritten by another function,
//         copied back, partially patched
//   7     a hot loop patched from a function in another page (also hot)
//   8     a store patching the instruction right after it (store; fence.i; patched) in the same
//         basic block of a hot loop
//   9-11  SD writing two instructions at once: aligned, misaligned within a page, and misaligned
//         across a page boundary (one store modifies two code pages; misaligned stores are
//         performed by rvisor and QEMU, see rv64i-mem.S)
//   12-13 compressed instructions (ch. 16): a 16-bit instruction patched with SH, and a 32-bit
//         instruction replaced by two 16-bit ones and back (instruction boundaries move)
// Each case lives in its own 4 KiB-aligned page: a page rewritten too often is left to the
// interpreter for good by the JIT, which must not hide the other cases from it.
// Expected sums follow from the loop models given with each case (counter c runs N..1); the
// models are such that executing the old code even once after a patch changes the result.
#include "macros.h"

#define N 6000                                    // iterations of every hot loop
// Register numbers for the encodings below
#define R_A0 10
#define R_A2 12
#define R_A7 17
// addi rd, rd, k (k in 0..2047) and c.addi rd, k (k in 1..31)
#define ADDI(rd, k)   (0x13 | ((rd) << 7) | ((rd) << 15) | ((k) << 20))
#define C_ADDI(rd, k) (0x1 | ((rd) << 7) | ((k) << 2))

TEST_BEGIN
    // ---- 1: patch the loop's own instruction every iteration. Model: K = 0; for c = N..1
    //      { a0 += K; K = c & 1023 }  => a0 = sum(c & 1023, c = 2..N)
    TESTNUM(1)
    call smc_a1
    CHECK(a0, 3006519)
    // ---- 2: patch every 256 iterations. Model: K = 1; for c = N..1 { a0 += K;
    //      if c % 256 == 0 { K = (c >> 8) + 1 } }
    TESTNUM(2)
    call smc_a2
    CHECK(a0, 76655)

    // ---- 3..6: code in a RAM buffer, called N times with a1 = c
    TESTNUM(3)                                    // addi a0, a0, 3; ret => 3 * N
    la a0, tmpl_f1
    la a1, tmpl_f1_end
    call smc_b_load
    call smc_b_run
    CHECK(a0, 18000)
    TESTNUM(4)                                    // add a0, a0, a1; addi a0, a0, 1; ret
    la a0, tmpl_f2                                //   => sum(c + 1, c = 1..N)
    la a1, tmpl_f2_end
    call smc_b_load
    call smc_b_run
    CHECK(a0, 18009000)
    TESTNUM(5)                                    // back to the first function
    la a0, tmpl_f1
    la a1, tmpl_f1_end
    call smc_b_load
    call smc_b_run
    CHECK(a0, 18000)
    TESTNUM(6)                                    // one word patched: addi a0, a0, 9 => 9 * N
    la a0, codebuf
    li a1, ADDI(R_A0, 9)
    sw a1, 0(a0)
    fence.i
    call smc_b_run
    CHECK(a0, 54000)

    // ---- 7: hot loop patched from another page. Model: K = 1; for c = N..1 { a0 += K;
    //      c' = c - 1; if c' % 1024 == 0 { K = (c' >> 10) + 2 } }
    TESTNUM(7)
    call smc_c
    CHECK(a0, 26480)

    // ---- 8: store; fence.i; patched instruction. Model: K = 1; for c = N..1 {
    //      if c % 256 == 0 { K = (c >> 8) + 1 }; a0 += K }
    TESTNUM(8)
    call smc_d
    CHECK(a0, 76656)

    // ---- 9: aligned SD patching a pair. Model: X = Y = 1; for c = N..1 { a0 += X; a2 += Y;
    //      c' = c - 1; if c' % 256 == 0 { X = (c' >> 8) + 1; Y = 2 * X } }
    TESTNUM(9)
    call smc_e1
    CHECK(a0, 76656)
    CHECK(a1, 153200)
    // ---- 10: the same with the pair at 4 mod 8 (misaligned SD inside the page), X = (c' >> 8) + 1,
    //      Y = 3 * (c' >> 8)
    TESTNUM(10)
    call smc_e2
    CHECK(a0, 76656)
    CHECK(a1, 212080)
    // ---- 11: misaligned SD across a page boundary: the loop's first word ends one page, the
    //      patched instruction starts the next. Model: K = 1; for c = N..1 { a0 += K;
    //      c' = c - 1; if c' % 256 == 0 { K = (c' >> 8) + 5 } }
    TESTNUM(11)
    la a0, smc_e3_page                            // the layout the case relies on
    slli a0, a0, 52
    CHECK(a0, 0)
    call smc_e3
    CHECK(a0, 100208)

    // ---- 12: c.addi patched with SH. Model: K = 1; for c = N..1 { a0 += K; c' = c - 1;
    //      if c' % 256 == 0 { K = (c' >> 8) + 1 } }
    TESTNUM(12)
    call smc_f1
    CHECK(a0, 76656)
    // ---- 13: 32-bit <-> two 16-bit instructions. Model: state = addi a0, a0, 1; for c = N..1 {
    //      run it; c' = c - 1; if c' % 256 == 0 { k = c' >> 8; state = k odd ?
    //      (c.addi a0, k; c.addi a7, 1) : addi a0, a0, k + 1 } }
    TESTNUM(13)
    call smc_f2
    CHECK(a0, 73584)
    CHECK(a1, 3072)
TEST_END

    .option push
    .option norvc
// ----------------------------------------------------------------- 1, 2: the loop patches itself
    .balign 4096
smc_a1:
    la a2, 1f
    li a3, ADDI(R_A0, 0)
    sw a3, 0(a2)                                  // start from addi a0, a0, 0 (re-entrant)
    fence.i
    li a0, 0
    li a1, N
1:  addi a0, a0, 0                                // K: written by the previous iteration
    andi a4, a1, 1023
    slli a4, a4, 20
    or a4, a4, a3
    sw a4, 0(a2)
    fence.i
    addi a1, a1, -1
    bnez a1, 1b
    ret

    .balign 4096
smc_a2:
    la a2, 1f
    li a3, ADDI(R_A0, 1)
    sw a3, 0(a2)
    fence.i
    li a3, ADDI(R_A0, 0)
    li a0, 0
    li a1, N
1:  addi a0, a0, 1                                // K
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    addi a4, a4, 1
    slli a4, a4, 20
    or a4, a4, a3
    sw a4, 0(a2)
    fence.i
2:  addi a1, a1, -1
    bnez a1, 1b
    ret

// ------------------------------------------------------------------ 3..6: code in a RAM buffer
    .balign 4096
// Copy the words [a0, a1) to codebuf, then fence.i.
smc_b_load:
    la a2, codebuf
1:  lw a3, 0(a0)
    sw a3, 0(a2)
    addi a0, a0, 4
    addi a2, a2, 4
    bltu a0, a1, 1b
    fence.i
    ret
// a0 = sum of N calls of codebuf with a1 = c (c = N..1).
smc_b_run:
    mv s5, ra
    la s4, codebuf
    li a0, 0
    li a1, N
1:  jalr s4
    addi a1, a1, -1
    bnez a1, 1b
    jr s5

// --------------------------------------------------- 7: patched from a function in another page
    .balign 4096
smc_c:
    mv s5, ra
    la a2, 1f
    li a3, ADDI(R_A0, 1)
    sw a3, 0(a2)
    fence.i
    li a3, ADDI(R_A0, 0)
    li a0, 0
    li a1, N
1:  addi a0, a0, 1                                // K: patched by smc_c_patch
    addi a1, a1, -1
    jal t0, smc_c_patch                           // called every iteration: its page is hot too
    bnez a1, 1b
    jr s5

    .balign 4096
// If a1 % 1024 == 0, rewrite the instruction at a2 as addi a0, a0, (a1 >> 10) + 2.
smc_c_patch:
    andi t1, a1, 1023
    bnez t1, 1f
    srli t1, a1, 10
    addi t1, t1, 2
    slli t1, t1, 20
    or t1, t1, a3
    sw t1, 0(a2)
    fence.i
1:  jr t0

// ---------------------------------------- 8: the store patches the instruction right after it
    .balign 4096
smc_d:
    la a2, 1f                                     // patch target
    la a3, smc_scratch                            // where the store goes on other iterations
    li a4, ADDI(R_A0, 1)
    sw a4, 0(a2)
    fence.i
    li t0, ADDI(R_A0, 0)
    li a0, 0
    li a1, N
2:  andi a5, a1, 255                              // a4 = c % 256 == 0 ? a2 : a3, branch-free:
    seqz a5, a5                                   // the store, the fence.i and the patched
    neg a5, a5                                    // instruction form one basic block
    xor a4, a2, a3
    and a4, a4, a5
    xor a4, a4, a3
    srli a6, a1, 8
    addi a6, a6, 1
    slli a6, a6, 20
    or a6, a6, t0                                 // addi a0, a0, (c >> 8) + 1
    sw a6, 0(a4)
    fence.i
1:  addi a0, a0, 1                                // K
    addi a1, a1, -1
    bnez a1, 2b
    ret

// ------------------------------------------------------ 9..11: SD writing two instructions
    .balign 4096
smc_e1:
    la a3, .Le1_pair
    li t0, ADDI(R_A0, 0)
    li t1, ADDI(R_A2, 0)
    li a4, ADDI(R_A0, 1) | (ADDI(R_A2, 1) << 32)
    sd a4, 0(a3)
    fence.i
    li a0, 0
    li a2, 0
    li a1, N
    j .Le1_pair
    .balign 8
.Le1_pair:
    addi a0, a0, 1                                // X
    addi a2, a2, 1                                // Y
    addi a1, a1, -1
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    addi a4, a4, 1
    slli a5, a4, 20
    or a5, a5, t0                                 // addi a0, a0, X      (bit 31 clear)
    slli a4, a4, 21
    or a4, a4, t1                                 // addi a2, a2, 2 * X
    slli a4, a4, 32
    or a4, a4, a5
    sd a4, 0(a3)
    fence.i
2:  bnez a1, .Le1_pair
    mv a1, a2
    ret

    .balign 4096
smc_e2:
    la a3, .Le2_pair
    li t0, ADDI(R_A0, 0)
    li t1, ADDI(R_A2, 0)
    li a4, ADDI(R_A0, 1) | (ADDI(R_A2, 1) << 32)
    sd a4, 0(a3)                                  // misaligned (4 mod 8)
    fence.i
    li a0, 0
    li a2, 0
    li a1, N
    j .Le2_loop
    .balign 8
.Le2_loop:
    addi a1, a1, -1                               // 0 mod 8
.Le2_pair:
    addi a0, a0, 1                                // X, at 4 mod 8
    addi a2, a2, 1                                // Y
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    addi a5, a4, 1
    slli a5, a5, 20
    or a5, a5, t0                                 // addi a0, a0, k + 1
    slli a6, a4, 1
    add a4, a4, a6
    slli a4, a4, 20
    or a4, a4, t1                                 // addi a2, a2, 3 * k
    slli a4, a4, 32
    or a4, a4, a5
    sd a4, 0(a3)
    fence.i
2:  bnez a1, .Le2_loop
    mv a1, a2
    ret

    // The loop of case 11 starts with the last word of this page (the rest is never executed).
    .balign 4096
    .skip 4092
.Le3_loop:
    addi a1, a1, -1                               // last word of the page
smc_e3_page:                                      // 4 KiB aligned
    addi a0, a0, 1                                // K
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    addi a4, a4, 5
    slli a4, a4, 20
    or a4, a4, t0                                 // addi a0, a0, (c' >> 8) + 5
    slli a4, a4, 32
    or a4, a4, a6                                 // low word: the addi a1, a1, -1 unchanged
    sd a4, 0(a3)                                  // 4 bytes in each page
    fence.i
2:  bnez a1, .Le3_loop
    ret
smc_e3:
    la a3, .Le3_loop
    li t0, ADDI(R_A0, 0)
    lwu a6, 0(a3)
    li a4, ADDI(R_A0, 1)
    sw a4, 4(a3)
    fence.i
    li a0, 0
    li a1, N
    j .Le3_loop

// ------------------------------------------------------- 12, 13: compressed instructions
    .balign 4096
    .option rvc
smc_f1:
    la a2, .Lf1_c
    li a3, C_ADDI(R_A0, 1)
    sh a3, 0(a2)
    fence.i
    li t0, C_ADDI(R_A0, 0)
    li a0, 0
    li a1, N
    j .Lf1_loop
    .balign 4
.Lf1_loop:
    c.addi a1, -1                                 // 0 mod 4
.Lf1_c:
    c.addi a0, 1                                  // K, at 2 mod 4
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    addi a4, a4, 1
    slli a4, a4, 2
    or a4, a4, t0                                 // c.addi a0, (c' >> 8) + 1
    sh a4, 0(a2)
    fence.i
2:  bnez a1, .Lf1_loop
    ret
    .option norvc

    .balign 4096
smc_f2:
    la a2, .Lf2_p
    li a3, ADDI(R_A0, 1)
    sw a3, 0(a2)
    fence.i
    li t0, ADDI(R_A0, 0)
    li t1, C_ADDI(R_A0, 0) | (C_ADDI(R_A7, 1) << 16)
    li a0, 0
    li a7, 0
    li a1, N
.Lf2_p:
    addi a0, a0, 1                                // or: c.addi a0, k; c.addi a7, 1
    addi a1, a1, -1
    andi a4, a1, 255
    bnez a4, 2f
    srli a4, a1, 8
    andi a5, a4, 1
    beqz a5, 3f
    slli a5, a4, 2                                // k odd: two 16-bit instructions
    or a5, a5, t1
    j 4f
3:  addi a5, a4, 1                                // k even: one 32-bit instruction
    slli a5, a5, 20
    or a5, a5, t0
4:  sw a5, 0(a2)
    fence.i
2:  bnez a1, .Lf2_p
    mv a1, a7
    ret
    .option pop

    .data
    .balign 4
    .option push
    .option norvc
tmpl_f1:                                          // copied to codebuf, never executed here
    addi a0, a0, 3
    ret
tmpl_f1_end:
tmpl_f2:
    add a0, a0, a1
    addi a0, a0, 1
    ret
tmpl_f2_end:
    .option pop
    .balign 8
smc_scratch:
    .dword 0

    .bss
    .balign 4096
codebuf:
    .skip 4096
