// rv64i-alu.S - RV64I integer computational instructions (unprivileged spec ch. 2.4 and 5.2):
// register-register and register-immediate ALU ops, LUI/AUIPC, the *W forms and
// their sign-extension of 32-bit results, shifts using only the low 6 (5 for *W)
// bits of the shift amount, writes to x0 being ignored.
#include "macros.h"
TEST_BEGIN
    // ---- ADD / ADDI / SUB: wrap-around, no overflow trap
    TEST_CASE( 1, a0, 0,                  li a1, 0; li a2, 0; add a0, a1, a2)
    TEST_CASE( 2, a0, 0x8000000000000000, li a1, 0x7fffffffffffffff; li a2, 1; add a0, a1, a2)
    TEST_CASE( 3, a0, 0xfffffffffffffffe, li a1, -1; li a2, -1; add a0, a1, a2)
    TEST_CASE( 4, a0, 0,                  li a1, -1; addi a0, a1, 1)
    TEST_CASE( 5, a0, 0xfffffffffffff801, li a1, 1; addi a0, a1, -2048)
    TEST_CASE( 6, a0, 0x800,              li a1, 1; addi a0, a1, 2047)
    TEST_CASE( 7, a0, 0x7fffffffffffffff, li a1, 0x8000000000000000; li a2, 1; sub a0, a1, a2)
    TEST_CASE( 8, a0, 0xffffffffffffffff, li a1, 0; li a2, 1; sub a0, a1, a2)
    TEST_CASE( 9, a0, 0x8000000000000000, li a1, 0; li a2, 0x8000000000000000; sub a0, a1, a2)

    // ---- SLT / SLTU / SLTI / SLTIU: signed vs unsigned compare, sign-extended immediates
    TEST_CASE(10, a0, 1, li a1, -1; li a2, 0; slt a0, a1, a2)
    TEST_CASE(11, a0, 0, li a1, -1; li a2, 0; sltu a0, a1, a2)
    TEST_CASE(12, a0, 1, li a1, 0x8000000000000000; li a2, 0x7fffffffffffffff; slt a0, a1, a2)
    TEST_CASE(13, a0, 0, li a1, 5; li a2, 5; slt a0, a1, a2)
    TEST_CASE(14, a0, 1, li a1, 5; slti a0, a1, 6)
    TEST_CASE(15, a0, 0, li a1, 0; slti a0, a1, -1)
    // sltiu sign-extends the immediate then compares unsigned: x < 0xfff..ff is true unless x = -1
    TEST_CASE(16, a0, 1, li a1, 0x7fffffffffffffff; sltiu a0, a1, -1)
    TEST_CASE(17, a0, 0, li a1, -1; sltiu a0, a1, -1)
    // seqz = sltiu rd, rs, 1
    TEST_CASE(18, a0, 1, li a1, 0; sltiu a0, a1, 1)
    TEST_CASE(19, a0, 1, li a1, 0; li a2, 3; sltu a0, a1, a2)
    TEST_CASE(20, a0, 0, li a2, 0; sltu a0, a2, zero)

    // ---- AND / OR / XOR and immediates (immediates are sign-extended)
    TEST_CASE(21, a0, 0x0f000f000f000f00, li a1, 0xff00ff00ff00ff00; li a2, 0x0ff00ff00ff00ff0; and a0, a1, a2)
    TEST_CASE(22, a0, 0xfff0fff0fff0fff0, li a1, 0xff00ff00ff00ff00; li a2, 0x0ff00ff00ff00ff0; or a0, a1, a2)
    TEST_CASE(23, a0, 0xf0f0f0f0f0f0f0f0, li a1, 0xff00ff00ff00ff00; li a2, 0x0ff00ff00ff00ff0; xor a0, a1, a2)
    TEST_CASE(24, a0, 0xff00ff00ff00ff00, li a1, 0xff00ff00ff00ff00; andi a0, a1, -1)
    TEST_CASE(25, a0, 0x0000000000000700, li a1, 0xff00ff00ff00ff00; andi a0, a1, 0x7f0)
    TEST_CASE(26, a0, 0xfffffffffffff800, li a1, 0; ori a0, a1, -2048)
    TEST_CASE(27, a0, 0x00ff00ff00ff00ff, li a1, 0xff00ff00ff00ff00; xori a0, a1, -1)
    TEST_CASE(28, a0, 0x123,              li a1, 0x123; xori a0, a1, 0)

    // ---- LUI / AUIPC: 20-bit immediate shifted by 12 and sign-extended from bit 31
    TEST_CASE(29, a0, 0xffffffff80000000, lui a0, 0x80000)
    TEST_CASE(30, a0, 0x000000007ffff000, lui a0, 0x7ffff)
    TEST_CASE(31, a0, 0xfffffffffffff000, lui a0, 0xfffff)
    TEST_CASE(32, a0, 0,                  lui a0, 0)
    // auipc: a0 = pc + imm<<12
    TESTNUM(33)
1:  auipc a0, 0
    la a1, 1b
    CHECK_REG(a0, a1)
    TESTNUM(34)
2:  auipc a0, 1
    la a1, 2b
    li a2, 0x1000
    add a1, a1, a2
    CHECK_REG(a0, a1)
    TESTNUM(35)
3:  auipc a0, 0xfffff            // imm = -1 << 12
    la a1, 3b
    li a2, -4096
    add a1, a1, a2
    CHECK_REG(a0, a1)

    // ---- SLL / SRL / SRA: 64-bit shifts use rs2[5:0] only
    TEST_CASE(36, a0, 0x8000000000000000, li a1, 1; li a2, 63; sll a0, a1, a2)
    TEST_CASE(37, a0, 2,                  li a1, 1; li a2, 65; sll a0, a1, a2)          // 65 & 63 = 1
    TEST_CASE(38, a0, 1,                  li a1, 1; li a2, 64; sll a0, a1, a2)          // 64 & 63 = 0
    TEST_CASE(39, a0, 1,                  li a1, 0x8000000000000000; li a2, 63; srl a0, a1, a2)
    TEST_CASE(40, a0, 0xffffffffffffffff, li a1, 0x8000000000000000; li a2, 63; sra a0, a1, a2)
    TEST_CASE(41, a0, 0x4000000000000000, li a1, 0x8000000000000000; li a2, 0xffffffffffffffc1; srl a0, a1, a2) // low 6 bits = 1
    TEST_CASE(42, a0, 0xc000000000000000, li a1, 0x8000000000000000; li a2, 0x41; sra a0, a1, a2)
    TEST_CASE(43, a0, 0x0123456789abcdef, li a1, 0x0123456789abcdef; li a2, 0xc0; sra a0, a1, a2)   // 0xc0 & 63 = 0
    TEST_CASE(44, a0, 0x8000000000000000, li a1, 1; slli a0, a1, 63)
    TEST_CASE(45, a0, 0x0000000100000000, li a1, 1; slli a0, a1, 32)
    TEST_CASE(46, a0, 0x00000000ffffffff, li a1, 0xffffffff00000000; srli a0, a1, 32)
    TEST_CASE(47, a0, 0xffffffffffffffff, li a1, 0xffffffff00000000; srai a0, a1, 32)
    TEST_CASE(48, a0, 0x0000000000000001, li a1, 0x8000000000000000; srli a0, a1, 63)
    TEST_CASE(49, a0, 0x7fffffffffffffff, li a1, 0x7fffffffffffffff; srai a0, a1, 0)

    // ---- *W forms: operate on the low 32 bits, sign-extend the 32-bit result
    TEST_CASE(50, a0, 0xffffffff80000000, li a1, 0x7fffffff; li a2, 1; addw a0, a1, a2)
    TEST_CASE(51, a0, 0,                  li a1, 0xffffffff; li a2, 1; addw a0, a1, a2)
    TEST_CASE(52, a0, 0x0000000000000002, li a1, 0x1234567800000001; li a2, 0x8765432100000001; addw a0, a1, a2)
    TEST_CASE(53, a0, 0xffffffff80000000, li a1, 0x7fffffff; addiw a0, a1, 1)
    TEST_CASE(54, a0, 0x000000007fffffff, li a1, 0xffffffff80000000; addiw a0, a1, -1)
    // sext.w = addiw rd, rs, 0
    TEST_CASE(55, a0, 0xffffffff89abcdef, li a1, 0x0123456789abcdef; addiw a0, a1, 0)
    TEST_CASE(56, a0, 0x000000007fffffff, li a1, 0x80000000; li a2, 1; subw a0, a1, a2)
    TEST_CASE(57, a0, 0xffffffffffffffff, li a1, 0; li a2, 1; subw a0, a1, a2)
    TEST_CASE(58, a0, 0xffffffff80000000, li a1, 1; li a2, 31; sllw a0, a1, a2)
    TEST_CASE(59, a0, 0x0000000000000002, li a1, 1; li a2, 33; sllw a0, a1, a2)       // uses rs2[4:0] = 1
    TEST_CASE(60, a0, 0x0000000000000001, li a1, 1; li a2, 32; sllw a0, a1, a2)       // rs2[4:0] = 0
    TEST_CASE(61, a0, 0x0000000000000001, li a1, 0xffffffff80000000; li a2, 31; srlw a0, a1, a2)
    // srlw of a value with bit 31 set and shamt 0: result sign-extended from bit 31
    TEST_CASE(62, a0, 0xffffffff80000000, li a1, 0x0000000080000000; li a2, 0; srlw a0, a1, a2)
    TEST_CASE(63, a0, 0x0000000040000000, li a1, 0x0000000080000000; li a2, 33; srlw a0, a1, a2)
    TEST_CASE(64, a0, 0xffffffffffffffff, li a1, 0x80000000; li a2, 31; sraw a0, a1, a2)
    // sraw ignores bits 63:32 of rs1
    TEST_CASE(65, a0, 0x0000000000000001, li a1, 0xffffffff7fffffff; li a2, 30; sraw a0, a1, a2)
    TEST_CASE(66, a0, 0xffffffffc0000000, li a1, 0x80000000; li a2, 0x21; sraw a0, a1, a2)
    TEST_CASE(67, a0, 0xffffffff80000000, li a1, 0x1; slliw a0, a1, 31)
    TEST_CASE(68, a0, 0x0000000000000000, li a1, 0x100000000; slliw a0, a1, 0)
    TEST_CASE(69, a0, 0x0000000000000001, li a1, 0xffffffff80000000; srliw a0, a1, 31)
    TEST_CASE(70, a0, 0xffffffff80000000, li a1, 0x0000000080000000; srliw a0, a1, 0)
    TEST_CASE(71, a0, 0xffffffffffffffff, li a1, 0x0000000080000000; sraiw a0, a1, 31)
    TEST_CASE(72, a0, 0x0000000012345678, li a1, 0xabcdef0012345678; sraiw a0, a1, 0)

    // ---- x0 is hard-wired to zero: writes are discarded
    TEST_CASE(73, a0, 0, li a1, 5; addi x0, a1, 1; mv a0, x0)
    TEST_CASE(74, a0, 0, lui x0, 0x12345; add a0, x0, x0)
    TEST_CASE(75, a0, 0, li a1, -1; auipc x0, 1; or a0, x0, x0)
    // rd == rs1 == rs2
    TEST_CASE(76, a0, 0x2468ace, li a0, 0x1234567; add a0, a0, a0)
    TEST_CASE(77, a0, 0, li a0, 0x1234567; sub a0, a0, a0)
    // NOP encodings do nothing
    TEST_CASE(78, a0, 7, li a0, 7; nop; addi zero, zero, 0)
TEST_END
