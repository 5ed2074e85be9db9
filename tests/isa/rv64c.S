// rv64c.S - every RV64C instruction (unprivileged spec ch. 16, "C" Standard Extension),
// written with explicit c.* mnemonics so the assembler must emit the 16-bit form.
// Checks immediate sign extension and scaling, the RV64 specifics (C.LD/C.SD/C.LDSP/
// C.SDSP, C.ADDIW, C.SUBW/C.ADDW, 6-bit shift amounts), C.JAL{R} link = pc + 2,
// the FP forms C.FLD/C.FSD/C.FLDSP/C.FSDSP, and that reserved encodings raise
// illegal instruction with mtval = the 16-bit instruction (privileged spec 3.1.16).
#include "macros.h"
    .option rvc
TEST_BEGIN
    la s0, cbuf                 // s0 (x8) = buffer base (an RVC register)
    li a0, 0x1122334455667788
    sd a0, 0(s0)
    li a0, 0x99aabbccddeeff00
    sd a0, 8(s0)
    li a0, 0x8000000180000002
    sd a0, 16(s0)

    // ---- quadrant 0: C.ADDI4SPN, C.LW, C.LD, C.SW, C.SD, C.FLD, C.FSD
    TESTNUM(1)
    mv s1, sp
    la sp, cbuf
    c.addi4spn a0, sp, 1020     // nzuimm up to 1020, scaled by 4
    la a1, cbuf
    addi a1, a1, 1020
    mv sp, s1
    CHECK_REG(a0, a1)
    TEST_CASE( 2, a0, 0xffffffff80000002, c.lw a0, 16(s0))            // sign-extended
    TEST_CASE( 3, a0, 0xffffffff80000001, c.lw a0, 20(s0))
    TEST_CASE( 4, a0, 0x99aabbccddeeff00, c.ld a0, 8(s0))
    TEST_CASE( 5, a1, 0x0000000012345678, li a0, 0x12345678; c.sw a0, 124(s0); c.lw a1, 124(s0))   // max offset
    TEST_CASE( 6, a1, 0x0123456789abcdef, li a0, 0x0123456789abcdef; c.sd a0, 248(s0); c.ld a1, 248(s0)) // max offset
    TEST_CASE( 7, a1, 0x400921fb54442d18, li a0, 0x400921fb54442d18; sd a0, 32(s0); c.fld fa0, 32(s0); c.fsd fa0, 40(s0); ld a1, 40(s0))
    TEST_CASE( 8, a1, 0x400921fb54442d18, c.fld fa1, 32(s0); fmv.x.d a1, fa1)

    // ---- quadrant 1
    TEST_CASE( 9, a0, 7,                  li a0, 7; c.nop)
    TEST_CASE(10, a0, 0xffffffffffffffe0, li a0, 0; c.addi a0, -32)                // imm -32..31
    TEST_CASE(11, a0, 31,                 li a0, 0; c.addi a0, 31)
    TEST_CASE(12, a0, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1)        // sign-extends 32-bit sum
    TEST_CASE(13, a0, 0xffffffff89abcdef, li a0, 0x0123456789abcdef; c.addiw a0, 0) // sext.w
    TEST_CASE(14, a0, 0xffffffffffffffe0, c.li a0, -32)
    TEST_CASE(15, a5, 31,                 c.li a5, 31)
    TESTNUM(16)                                                                    // C.ADDI16SP: nzimm*16, -512..496
    mv s1, sp
    c.addi16sp sp, -512
    sub a0, s1, sp
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    sub a1, s1, sp
    mv sp, s1
    CHECK(a0, 512)
    CHECK(a1, 0)
    TEST_CASE(17, a0, 0x000000000001f000, c.lui a0, 0x1f)
    TEST_CASE(18, a0, 0xfffffffffffe0000, c.lui a0, 0xfffe0)                       // sign-extended from bit 17
    TEST_CASE(19, a0, 0xfffffffffffff000, c.lui a0, 0xfffff)
    TEST_CASE(20, a0, 0x0000000000000001, li a0, 0x8000000000000000; c.srli a0, 63)
    TEST_CASE(21, a0, 0x0000000080000000, li a0, 0x8000000000000000; c.srli a0, 32)
    TEST_CASE(22, a0, 0xffffffffffffffff, li a0, 0x8000000000000000; c.srai a0, 63)
    TEST_CASE(23, a0, 0xffffffff80000000, li a0, 0x8000000000000000; c.srai a0, 32)
    TEST_CASE(24, a0, 0x0000000000000010, li a0, 0xfff0; c.andi a0, 0x1f)        // 0xfff0 & 31 = 0x10
    TEST_CASE(25, a0, 0x000000000000fff0, li a0, 0xfff0; c.andi a0, -1)
    TEST_CASE(26, a0, 0x000000000000ffe0, li a0, 0xfff0; c.andi a0, -32)
    TEST_CASE(27, a0, 0xffffffffffffffff, li a0, 0; li a1, 1; c.sub a0, a1)
    TEST_CASE(28, a0, 0x0ff00ff00ff00ff0, li a0, 0xff00ff00ff00ff00; li a1, 0xf0f0f0f0f0f0f0f0; c.xor a0, a1)
    TEST_CASE(29, a0, 0xfff0fff0fff0fff0, li a0, 0xff00ff00ff00ff00; li a1, 0xf0f0f0f0f0f0f0f0; c.or a0, a1)
    TEST_CASE(30, a0, 0xf000f000f000f000, li a0, 0xff00ff00ff00ff00; li a1, 0xf0f0f0f0f0f0f0f0; c.and a0, a1)
    TEST_CASE(31, a0, 0x000000007fffffff, li a0, 0x80000000; li a1, 1; c.subw a0, a1)
    TEST_CASE(32, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 1; c.addw a0, a1)
    TEST_CASE(33, a0, 0x0000000000000000, li a0, 0x1ffffffff; li a1, 1; c.addw a0, a1)
    TESTNUM(34)                        // C.J forward and backward
    li a0, 0
    c.j 2f
1:  addi a0, a0, 1
    c.j 3f
2:  addi a0, a0, 10
    c.j 1b
3:  CHECK(a0, 11)
    TESTNUM(35)                        // C.BEQZ / C.BNEZ taken and not taken
    li a0, 0
    li a1, 5
    c.bnez a0, 4f
    c.beqz a1, 4f
    c.beqz a0, 5f
4:  j fail
5:  c.bnez a1, 6f
    j fail
6:
    // ---- quadrant 2
    TEST_CASE(36, a0, 0x8000000000000000, li a0, 1; c.slli a0, 63)
    TEST_CASE(37, a0, 0x0000000100000000, li a0, 1; c.slli a0, 32)
    TESTNUM(38)                        // SP-relative loads/stores
    mv s1, sp
    la sp, cbuf
    li a0, 0x5555aaaa5555aaaa
    c.sdsp a0, 504(sp)                // max C.SDSP offset
    c.ldsp a1, 504(sp)
    CHECK_REG(a0, a1)
    li a0, 0x00000000f00dbeef
    c.swsp a0, 252(sp)                // max C.SWSP offset
    c.lwsp a2, 252(sp)
    CHECK(a2, 0xfffffffff00dbeef)      // C.LWSP sign-extends
    li a0, 0x3ff0000000000000
    sd a0, 64(sp)
    c.fldsp fa2, 64(sp)
    c.fsdsp fa2, 496(sp)
    ld a3, 496(sp)
    mv sp, s1
    CHECK(a3, 0x3ff0000000000000)
    TESTNUM(39)                        // C.JR
    la a1, 7f
    c.jr a1
    j fail
7:  TESTNUM(40)                        // C.JALR: ra = address of c.jalr + 2
    la a1, 8f
9:  c.jalr a1
    j fail
8:  la a2, 9b
    addi a2, a2, 2
    CHECK_REG(ra, a2)
    TEST_CASE(41, a0, 0x123456789, li a1, 0x123456789; c.mv a0, a1)
    TEST_CASE(42, a0, 0x8000000000000001, li a0, 0x7fffffffffffffff; li a1, 2; c.add a0, a1)
    // C.EBREAK raises a breakpoint exception at its own address
    TEST_TRAP(43, CAUSE_BREAKPOINT, c.ebreak)

    // ---- reserved / illegal 16-bit encodings: illegal instruction, mtval = encoding
    TEST_TRAP_TVAL(44, CAUSE_ILLEGAL_INSTRUCTION, 0x0000, .2byte 0x0000)   // all-zero parcel
    TEST_TRAP_TVAL(45, CAUSE_ILLEGAL_INSTRUCTION, 0x0000, .2byte 0x0000; nop) // (again, followed by a nop)
    TEST_TRAP_TVAL(46, CAUSE_ILLEGAL_INSTRUCTION, 0x0004, .2byte 0x0004)   // C.ADDI4SPN with nzuimm = 0
    TEST_TRAP_TVAL(47, CAUSE_ILLEGAL_INSTRUCTION, 0x6101, .2byte 0x6101)   // C.ADDI16SP with nzimm = 0
    TEST_TRAP_TVAL(48, CAUSE_ILLEGAL_INSTRUCTION, 0x6501, .2byte 0x6501)   // C.LUI a0 with nzimm = 0
    TEST_TRAP_TVAL(49, CAUSE_ILLEGAL_INSTRUCTION, 0x4002, .2byte 0x4002)   // C.LWSP with rd = x0
    TEST_TRAP_TVAL(50, CAUSE_ILLEGAL_INSTRUCTION, 0x6002, .2byte 0x6002)   // C.LDSP with rd = x0
    TEST_TRAP_TVAL(51, CAUSE_ILLEGAL_INSTRUCTION, 0x8002, .2byte 0x8002)   // C.JR with rs1 = x0
    TEST_TRAP_TVAL(52, CAUSE_ILLEGAL_INSTRUCTION, 0x2001, .2byte 0x2001)   // C.ADDIW with rd = x0
    TEST_TRAP_TVAL(53, CAUSE_ILLEGAL_INSTRUCTION, 0x9c41, .2byte 0x9c41)   // reserved CA encoding (funct6=100111, funct2=10)
TEST_END

    .data
    .align 6
cbuf: .skip 1024 + 64
