// zihpm-all.S - Zihpm (privileged spec 3.1.10: "All of mhpmcounter3-31 ... must be
// implemented, but all may be read-only zero"): counters 19..31 read as zero from
// M-mode (mhpmcounterN, hpmcounterN, mhpmeventN) and from U-mode (hpmcounterN).
// QEMU 7.2 (16 counters, pmu-num) raises illegal instruction here: qemu-skip.txt.
#include "macros.h"
TEST_BEGIN
    // M-mode: mhpmcounterN, hpmcounterN and mhpmeventN all read 0
    TEST_CASE(1, a0, 0, li a0, -1; csrr a0, mhpmcounter19; csrr a1, hpmcounter19; or a0, a0, a1; csrr a1, mhpmevent19; or a0, a0, a1)   // counter 19
    TEST_CASE(2, a0, 0, li a0, -1; csrr a0, mhpmcounter20; csrr a1, hpmcounter20; or a0, a0, a1; csrr a1, mhpmevent20; or a0, a0, a1)   // counter 20
    TEST_CASE(3, a0, 0, li a0, -1; csrr a0, mhpmcounter21; csrr a1, hpmcounter21; or a0, a0, a1; csrr a1, mhpmevent21; or a0, a0, a1)   // counter 21
    TEST_CASE(4, a0, 0, li a0, -1; csrr a0, mhpmcounter22; csrr a1, hpmcounter22; or a0, a0, a1; csrr a1, mhpmevent22; or a0, a0, a1)   // counter 22
    TEST_CASE(5, a0, 0, li a0, -1; csrr a0, mhpmcounter23; csrr a1, hpmcounter23; or a0, a0, a1; csrr a1, mhpmevent23; or a0, a0, a1)   // counter 23
    TEST_CASE(6, a0, 0, li a0, -1; csrr a0, mhpmcounter24; csrr a1, hpmcounter24; or a0, a0, a1; csrr a1, mhpmevent24; or a0, a0, a1)   // counter 24
    TEST_CASE(7, a0, 0, li a0, -1; csrr a0, mhpmcounter25; csrr a1, hpmcounter25; or a0, a0, a1; csrr a1, mhpmevent25; or a0, a0, a1)   // counter 25
    TEST_CASE(8, a0, 0, li a0, -1; csrr a0, mhpmcounter26; csrr a1, hpmcounter26; or a0, a0, a1; csrr a1, mhpmevent26; or a0, a0, a1)   // counter 26
    TEST_CASE(9, a0, 0, li a0, -1; csrr a0, mhpmcounter27; csrr a1, hpmcounter27; or a0, a0, a1; csrr a1, mhpmevent27; or a0, a0, a1)   // counter 27
    TEST_CASE(10, a0, 0, li a0, -1; csrr a0, mhpmcounter28; csrr a1, hpmcounter28; or a0, a0, a1; csrr a1, mhpmevent28; or a0, a0, a1)   // counter 28
    TEST_CASE(11, a0, 0, li a0, -1; csrr a0, mhpmcounter29; csrr a1, hpmcounter29; or a0, a0, a1; csrr a1, mhpmevent29; or a0, a0, a1)   // counter 29
    TEST_CASE(12, a0, 0, li a0, -1; csrr a0, mhpmcounter30; csrr a1, hpmcounter30; or a0, a0, a1; csrr a1, mhpmevent30; or a0, a0, a1)   // counter 30
    TEST_CASE(13, a0, 0, li a0, -1; csrr a0, mhpmcounter31; csrr a1, hpmcounter31; or a0, a0, a1; csrr a1, mhpmevent31; or a0, a0, a1)   // counter 31
    // U-mode with mcounteren/scounteren fully enabled: hpmcounterN read 0
    li a0, -1
    csrw mcounteren, a0
    csrw scounteren, a0
    ENTER_U
    TEST_CASE(14, a0, 0, li a0, -1; csrr a0, hpmcounter19)
    TEST_CASE(15, a0, 0, li a0, -1; csrr a0, hpmcounter20)
    TEST_CASE(16, a0, 0, li a0, -1; csrr a0, hpmcounter21)
    TEST_CASE(17, a0, 0, li a0, -1; csrr a0, hpmcounter22)
    TEST_CASE(18, a0, 0, li a0, -1; csrr a0, hpmcounter23)
    TEST_CASE(19, a0, 0, li a0, -1; csrr a0, hpmcounter24)
    TEST_CASE(20, a0, 0, li a0, -1; csrr a0, hpmcounter25)
    TEST_CASE(21, a0, 0, li a0, -1; csrr a0, hpmcounter26)
    TEST_CASE(22, a0, 0, li a0, -1; csrr a0, hpmcounter27)
    TEST_CASE(23, a0, 0, li a0, -1; csrr a0, hpmcounter28)
    TEST_CASE(24, a0, 0, li a0, -1; csrr a0, hpmcounter29)
    TEST_CASE(25, a0, 0, li a0, -1; csrr a0, hpmcounter30)
    TEST_CASE(26, a0, 0, li a0, -1; csrr a0, hpmcounter31)
    ENTER_M
TEST_END
