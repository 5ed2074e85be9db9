// zicbo.S - Zicbom / Zicboz (RISC-V CMO spec v1.0; privileged spec 3.1.18 menvcfg,
// 4.1.10 senvcfg). Cache block size is 64 bytes (QEMU's default, cboz-blocksize):
//   * cbo.zero zeroes the whole naturally aligned 64-byte block containing rs1
//     (rs1 need not be aligned), and nothing outside it;
//   * cbo.clean/flush/inval execute in M-mode without effect on memory contents
//     (no caches are modelled);
//   * in S-mode, menvcfg.CBZE gates cbo.zero, menvcfg.CBCFE gates cbo.clean/flush,
//     menvcfg.CBIE = 00 makes cbo.inval illegal (01: executes as flush, 11: inval);
//   * in U-mode both menvcfg and senvcfg bits are required;
//   * gated-off instructions raise illegal instruction with mtval = instruction.
#include "macros.h"
#define CBO_ZERO_A0  0x0045200f             // cbo.zero (a0)
#define CBO_CLEAN_A0 0x0015200f
#define CBO_FLUSH_A0 0x0025200f
#define CBO_INVAL_A0 0x0005200f

// fill the 3 blocks at blk (192 bytes) with 0xa5..
.macro FILL_BLOCKS
    la t0, blk
    li t1, 0xa5a5a5a5a5a5a5a5
    li t2, 24
1:  sd t1, 0(t0)
    addi t0, t0, 8
    addi t2, t2, -1
    bnez t2, 1b
.endm
// a3 = OR-reduction of the 8 dwords of block #\i, a4 = AND-reduction
.macro REDUCE i
    la t0, blk + 64 * \i
    li a3, 0
    li a4, -1
    li t2, 8
1:  ld t1, 0(t0)
    or a3, a3, t1
    and a4, a4, t1
    addi t0, t0, 8
    addi t2, t2, -1
    bnez t2, 1b
.endm

TEST_BEGIN
    // ---- cbo.zero with an aligned address
    FILL_BLOCKS
    la a0, blk + 64
    TEST_NO_TRAP(1, cbo.zero (a0))
    TESTNUM(2)
    REDUCE 1
    CHECK(a3, 0)
    REDUCE 0                               // neighbours untouched
    CHECK(a4, 0xa5a5a5a5a5a5a5a5)
    REDUCE 2
    CHECK(a4, 0xa5a5a5a5a5a5a5a5)
    // ---- cbo.zero with an unaligned address inside block 2
    TESTNUM(3)
    FILL_BLOCKS
    la a0, blk + 128 + 37
    cbo.zero (a0)
    REDUCE 2
    CHECK(a3, 0)
    REDUCE 1
    CHECK(a4, 0xa5a5a5a5a5a5a5a5)
    // ---- clean / flush / inval keep memory contents
    TESTNUM(4)
    FILL_BLOCKS
    la a0, blk
    cbo.clean (a0)
    cbo.flush (a0)
    cbo.inval (a0)
    REDUCE 0
    CHECK(a4, 0xa5a5a5a5a5a5a5a5)
    CHECK(a3, 0xa5a5a5a5a5a5a5a5)

    // ---- S-mode gating by menvcfg
    csrw CSR_MENVCFG, zero
    la a0, blk
    ENTER_S
    TEST_TRAP_TVAL( 5, CAUSE_ILLEGAL_INSTRUCTION, CBO_ZERO_A0,  .word CBO_ZERO_A0)
    TEST_TRAP_TVAL( 6, CAUSE_ILLEGAL_INSTRUCTION, CBO_CLEAN_A0, .word CBO_CLEAN_A0)
    TEST_TRAP_TVAL( 7, CAUSE_ILLEGAL_INSTRUCTION, CBO_FLUSH_A0, .word CBO_FLUSH_A0)
    TEST_TRAP_TVAL( 8, CAUSE_ILLEGAL_INSTRUCTION, CBO_INVAL_A0, .word CBO_INVAL_A0)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    TESTNUM(9)                             // nothing was zeroed
    REDUCE 0
    CHECK(a4, 0xa5a5a5a5a5a5a5a5)
    li t0, ENVCFG_CBZE
    csrw CSR_MENVCFG, t0
    la a0, blk
    ENTER_S
    TEST_NO_TRAP(10, cbo.zero (a0))
    TEST_TRAP(11, CAUSE_ILLEGAL_INSTRUCTION, cbo.clean (a0))
    ENTER_M
    TESTNUM(12)
    REDUCE 0
    CHECK(a3, 0)
    li t0, ENVCFG_CBCFE
    csrw CSR_MENVCFG, t0
    la a0, blk
    ENTER_S
    TEST_NO_TRAP(13, cbo.clean (a0); cbo.flush (a0))
    TEST_TRAP(14, CAUSE_ILLEGAL_INSTRUCTION, cbo.zero (a0))
    TEST_TRAP(15, CAUSE_ILLEGAL_INSTRUCTION, cbo.inval (a0))   // CBIE = 00
    ENTER_M
    li t0, 1 << ENVCFG_CBIE_SHIFT          // CBIE = 01: inval executes (as a flush)
    csrw CSR_MENVCFG, t0
    la a0, blk
    ENTER_S
    TEST_NO_TRAP(16, cbo.inval (a0))
    ENTER_M
    li t0, 3 << ENVCFG_CBIE_SHIFT          // CBIE = 11
    csrw CSR_MENVCFG, t0
    ENTER_S
    TEST_NO_TRAP(17, cbo.inval (a0))
    ENTER_M
    TESTNUM(18)                            // menvcfg fields read back
    li t0, ENVCFG_CBZE | ENVCFG_CBCFE | (3 << ENVCFG_CBIE_SHIFT)
    csrw CSR_MENVCFG, t0
    csrr a1, CSR_MENVCFG
    and a1, a1, t0
    CHECK_REG(a1, t0)

    // ---- U-mode: needs menvcfg AND senvcfg
    li t0, ENVCFG_CBZE | ENVCFG_CBCFE | (3 << ENVCFG_CBIE_SHIFT)
    csrw CSR_MENVCFG, t0
    csrw CSR_SENVCFG, zero
    FILL_BLOCKS
    la a0, blk
    ENTER_U
    TEST_TRAP_TVAL(19, CAUSE_ILLEGAL_INSTRUCTION, CBO_ZERO_A0,  .word CBO_ZERO_A0)
    TEST_TRAP_TVAL(20, CAUSE_ILLEGAL_INSTRUCTION, CBO_FLUSH_A0, .word CBO_FLUSH_A0)
    TEST_TRAP_TVAL(21, CAUSE_ILLEGAL_INSTRUCTION, CBO_INVAL_A0, .word CBO_INVAL_A0)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M
    li t0, ENVCFG_CBZE | ENVCFG_CBCFE
    csrw CSR_SENVCFG, t0
    la a0, blk
    ENTER_U
    TEST_NO_TRAP(22, cbo.zero (a0); cbo.clean (a0); cbo.flush (a0))
    ENTER_M
    TESTNUM(23)
    REDUCE 0
    CHECK(a3, 0)
    csrw CSR_MENVCFG, zero                 // menvcfg off wins over senvcfg on
    la a0, blk
    ENTER_U
    TEST_TRAP(24, CAUSE_ILLEGAL_INSTRUCTION, cbo.zero (a0))
    ENTER_M
    // ---- cbo.zero is a store: to an unmapped address it raises store access fault
    li a0, UNMAPPED_ADDR
    TEST_TRAP(25, CAUSE_STORE_ACCESS, cbo.zero (a0))
    // ---- cbo.zero over hot code: a function copied to a RAM buffer and run 3000 times (a
    //      translating implementation has compiled it), then zeroed and fetched anew: its first
    //      parcel is all zeros, an illegal instruction (mtval 0)
    la a0, hot_fn
    la a2, codebuf
    lw a3, 0(a0)
    sw a3, 0(a2)
    lw a3, 4(a0)
    sw a3, 4(a2)
    fence.i
    la s4, codebuf
    li a0, 0
    li s3, 3000
1:  jalr s4
    addi s3, s3, -1
    bnez s3, 1b
    TESTNUM(26)
    CHECK(a0, 3000)
    cbo.zero (s4)
    fence.i
    TEST_TRAP_ANY_EPC(27, CAUSE_ILLEGAL_INSTRUCTION, jalr s4)
    CHECK(s8, 0)
TEST_END

    .option push
    .option norvc
hot_fn:                                    // two 32-bit words, copied to codebuf
    addi a0, a0, 1
    ret
    .option pop

    .data
    .align 6
blk: .skip 192
    .bss
    .balign 4096
codebuf: .skip 4096
