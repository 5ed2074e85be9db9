// zihpm.S - Zihpm (unprivileged spec ch. 10.3, privileged spec 3.1.10): the hardware
// performance counters exist and, with no event selected (mhpmeventN = 0, the reset
// value), read as zero: mhpmcounter3..18 / hpmcounter3..18 / mhpmevent3..18 from
// M-mode, and hpmcounter3..18 from U-mode when enabled by mcounteren/scounteren.
// Counters 19..31 are in zihpm-all.S (QEMU 7.2 implements only 16 counters and
// makes the CSRs of the others illegal).
#include "macros.h"
TEST_BEGIN
    // M-mode: mhpmcounterN, hpmcounterN and mhpmeventN all read 0
    TEST_CASE(1, a0, 0, li a0, -1; csrr a0, mhpmcounter3; csrr a1, hpmcounter3; or a0, a0, a1; csrr a1, mhpmevent3; or a0, a0, a1)   // counter 3
    TEST_CASE(2, a0, 0, li a0, -1; csrr a0, mhpmcounter4; csrr a1, hpmcounter4; or a0, a0, a1; csrr a1, mhpmevent4; or a0, a0, a1)   // counter 4
    TEST_CASE(3, a0, 0, li a0, -1; csrr a0, mhpmcounter5; csrr a1, hpmcounter5; or a0, a0, a1; csrr a1, mhpmevent5; or a0, a0, a1)   // counter 5
    TEST_CASE(4, a0, 0, li a0, -1; csrr a0, mhpmcounter6; csrr a1, hpmcounter6; or a0, a0, a1; csrr a1, mhpmevent6; or a0, a0, a1)   // counter 6
    TEST_CASE(5, a0, 0, li a0, -1; csrr a0, mhpmcounter7; csrr a1, hpmcounter7; or a0, a0, a1; csrr a1, mhpmevent7; or a0, a0, a1)   // counter 7
    TEST_CASE(6, a0, 0, li a0, -1; csrr a0, mhpmcounter8; csrr a1, hpmcounter8; or a0, a0, a1; csrr a1, mhpmevent8; or a0, a0, a1)   // counter 8
    TEST_CASE(7, a0, 0, li a0, -1; csrr a0, mhpmcounter9; csrr a1, hpmcounter9; or a0, a0, a1; csrr a1, mhpmevent9; or a0, a0, a1)   // counter 9
    TEST_CASE(8, a0, 0, li a0, -1; csrr a0, mhpmcounter10; csrr a1, hpmcounter10; or a0, a0, a1; csrr a1, mhpmevent10; or a0, a0, a1)   // counter 10
    TEST_CASE(9, a0, 0, li a0, -1; csrr a0, mhpmcounter11; csrr a1, hpmcounter11; or a0, a0, a1; csrr a1, mhpmevent11; or a0, a0, a1)   // counter 11
    TEST_CASE(10, a0, 0, li a0, -1; csrr a0, mhpmcounter12; csrr a1, hpmcounter12; or a0, a0, a1; csrr a1, mhpmevent12; or a0, a0, a1)   // counter 12
    TEST_CASE(11, a0, 0, li a0, -1; csrr a0, mhpmcounter13; csrr a1, hpmcounter13; or a0, a0, a1; csrr a1, mhpmevent13; or a0, a0, a1)   // counter 13
    TEST_CASE(12, a0, 0, li a0, -1; csrr a0, mhpmcounter14; csrr a1, hpmcounter14; or a0, a0, a1; csrr a1, mhpmevent14; or a0, a0, a1)   // counter 14
    TEST_CASE(13, a0, 0, li a0, -1; csrr a0, mhpmcounter15; csrr a1, hpmcounter15; or a0, a0, a1; csrr a1, mhpmevent15; or a0, a0, a1)   // counter 15
    TEST_CASE(14, a0, 0, li a0, -1; csrr a0, mhpmcounter16; csrr a1, hpmcounter16; or a0, a0, a1; csrr a1, mhpmevent16; or a0, a0, a1)   // counter 16
    TEST_CASE(15, a0, 0, li a0, -1; csrr a0, mhpmcounter17; csrr a1, hpmcounter17; or a0, a0, a1; csrr a1, mhpmevent17; or a0, a0, a1)   // counter 17
    TEST_CASE(16, a0, 0, li a0, -1; csrr a0, mhpmcounter18; csrr a1, hpmcounter18; or a0, a0, a1; csrr a1, mhpmevent18; or a0, a0, a1)   // counter 18
    // U-mode with mcounteren/scounteren fully enabled: hpmcounterN read 0
    li a0, -1
    csrw mcounteren, a0
    csrw scounteren, a0
    ENTER_U
    TEST_CASE(17, a0, 0, li a0, -1; csrr a0, hpmcounter3)
    TEST_CASE(18, a0, 0, li a0, -1; csrr a0, hpmcounter4)
    TEST_CASE(19, a0, 0, li a0, -1; csrr a0, hpmcounter5)
    TEST_CASE(20, a0, 0, li a0, -1; csrr a0, hpmcounter6)
    TEST_CASE(21, a0, 0, li a0, -1; csrr a0, hpmcounter7)
    TEST_CASE(22, a0, 0, li a0, -1; csrr a0, hpmcounter8)
    TEST_CASE(23, a0, 0, li a0, -1; csrr a0, hpmcounter9)
    TEST_CASE(24, a0, 0, li a0, -1; csrr a0, hpmcounter10)
    TEST_CASE(25, a0, 0, li a0, -1; csrr a0, hpmcounter11)
    TEST_CASE(26, a0, 0, li a0, -1; csrr a0, hpmcounter12)
    TEST_CASE(27, a0, 0, li a0, -1; csrr a0, hpmcounter13)
    TEST_CASE(28, a0, 0, li a0, -1; csrr a0, hpmcounter14)
    TEST_CASE(29, a0, 0, li a0, -1; csrr a0, hpmcounter15)
    TEST_CASE(30, a0, 0, li a0, -1; csrr a0, hpmcounter16)
    TEST_CASE(31, a0, 0, li a0, -1; csrr a0, hpmcounter17)
    TEST_CASE(32, a0, 0, li a0, -1; csrr a0, hpmcounter18)
    ENTER_M
TEST_END
