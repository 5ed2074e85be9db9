// zbb-ctzw.S - Zbb CTZW (Bitmanip spec 2.2): counts trailing zeros of rs1[31:0] only,
// giving 32 when the low word is zero, whatever rs1[63:32] holds.
// QEMU 7.2 returns 63 for rs1 = 0x8000000000000000 (it looks at the upper bits):
// listed in qemu-skip.txt.
#include "macros.h"
TEST_BEGIN
    TEST_CASE(1, a0, 32, li a1, 0x8000000000000000; ctzw a0, a1)
    TEST_CASE(2, a0, 32, li a1, 0xffffffff00000000; ctzw a0, a1)
    TEST_CASE(3, a0, 32, li a1, 0x0000000100000000; ctzw a0, a1)
    TEST_CASE(4, a0, 32, li a1, 0; ctzw a0, a1)
    TEST_CASE(5, a0, 31, li a1, 0x8000000080000000; ctzw a0, a1)
TEST_END
