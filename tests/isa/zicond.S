// zicond.S - Zicond (integer conditional operations, ratified v1.0):
//   czero.eqz rd, rs1, rs2 : rd = (rs2 == 0) ? 0 : rs1
//   czero.nez rd, rs1, rs2 : rd = (rs2 != 0) ? 0 : rs1
// binutils 2.40 does not know Zicond: encoded with .insn (OP opcode 0x33,
// funct7 = 0000111, funct3 = 101 for czero.eqz, 111 for czero.nez).
// QEMU 7.2 does not implement Zicond: listed in qemu-skip.txt.
#include "macros.h"
#define CZERO_EQZ(rd, rs1, rs2) .insn r 0x33, 5, 7, rd, rs1, rs2
#define CZERO_NEZ(rd, rs1, rs2) .insn r 0x33, 7, 7, rd, rs1, rs2
TEST_BEGIN
    TEST_CASE( 1, a0, 0,                  li a1, 0x1234; li a2, 0; CZERO_EQZ(a0, a1, a2))
    TEST_CASE( 2, a0, 0x1234,             li a1, 0x1234; li a2, 1; CZERO_EQZ(a0, a1, a2))
    TEST_CASE( 3, a0, 0xffffffffffffffff, li a1, -1; li a2, 0x8000000000000000; CZERO_EQZ(a0, a1, a2))  // any non-zero bit
    TEST_CASE( 4, a0, 0x1234,             li a1, 0x1234; li a2, 0; CZERO_NEZ(a0, a1, a2))
    TEST_CASE( 5, a0, 0,                  li a1, 0x1234; li a2, 1; CZERO_NEZ(a0, a1, a2))
    TEST_CASE( 6, a0, 0,                  li a1, -1; li a2, 0x8000000000000000; CZERO_NEZ(a0, a1, a2))
    // the whole 64-bit rs2 is tested (no W semantics)
    TEST_CASE( 7, a0, 0x55,               li a1, 0x55; li a2, 0x100000000; CZERO_EQZ(a0, a1, a2))
    TEST_CASE( 8, a0, 0,                  li a1, 0x55; li a2, 0x100000000; CZERO_NEZ(a0, a1, a2))
    // rd = rs1 = rs2
    TEST_CASE( 9, a0, 7,                  li a0, 7; CZERO_EQZ(a0, a0, a0))
    TEST_CASE(10, a0, 0,                  li a0, 7; CZERO_NEZ(a0, a0, a0))
    // rs2 = x0: eqz always gives 0, nez always gives rs1
    TEST_CASE(11, a0, 0,                  li a1, 9; CZERO_EQZ(a0, a1, zero))
    TEST_CASE(12, a0, 9,                  li a1, 9; CZERO_NEZ(a0, a1, zero))
    // conditional select idiom: a0 = (a3 != 0) ? a1 : a2
    TESTNUM(13)
    li a1, 111
    li a2, 222
    li a3, 5
    CZERO_EQZ(a4, a1, a3)
    CZERO_NEZ(a5, a2, a3)
    or a0, a4, a5
    CHECK(a0, 111)
    li a3, 0
    CZERO_EQZ(a4, a1, a3)
    CZERO_NEZ(a5, a2, a3)
    or a0, a4, a5
    CHECK(a0, 222)
TEST_END
