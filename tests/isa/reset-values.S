// reset-values.S - CSR state at reset (privileged spec 3.4 "Reset": mstatus.MIE = 0,
// MPRV = 0, misa = maximal set, pmpcfg A = 0 and L = 0; everything else is
// implementation-defined - the values checked here are QEMU 7.2's and required of
// rvisor too). The start-up code captures the CSRs before writing anything
// (SAVE_RESET_STATE, see macros.h):
//   mstatus: MIE = MPRV = SIE = SPP = MPP = 0, UXL = SXL = 2, TVM = TW = TSR = SUM =
//            MXR = 0; FS = Off (0)
//   mie = 0; mip: no software or supervisor bits pending (MTIP depends on the CLINT:
//            QEMU resets mtimecmp to 0, so MTIP is set - not checked)
//   medeleg = 0; mideleg S bits = 0; satp = 0; mcounteren = scounteren = 0;
//   menvcfg = 0; pmpcfg0 = pmpcfg2 = 0; mcountinhibit = 0; misa MXL = 2.
#define SAVE_RESET_STATE
#include "macros.h"
TEST_BEGIN
    TESTNUM(1)
    li t0, MSTATUS_MIE | MSTATUS_MPRV | MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_TVM | \
           MSTATUS_TW | MSTATUS_TSR | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_FS
    and t1, s0, t0
    CHECK(t1, 0)
    TESTNUM(2)
    li t0, MSTATUS_UXL | MSTATUS_SXL
    and t1, s0, t0
    CHECK(t1, (2 << 32) | (2 << 34))
    TEST_CASE(3, s1, 0, nop)                                  // mie
    TESTNUM(4)                                                // mip
    andi t1, s2, MIP_SSIP | MIP_STIP | MIP_MSIP
    CHECK(t1, 0)
    li t0, MIP_SEIP | MIP_MEIP
    and t1, s2, t0
    CHECK(t1, 0)
    TEST_CASE(5, s3, 0, nop)                                  // medeleg
    TESTNUM(6)                                                // mideleg (S bits)
    andi t1, s4, MIP_SSIP | MIP_STIP | MIP_SEIP
    CHECK(t1, 0)
    TEST_CASE(7, s5, 0, nop)                                  // satp
    TEST_CASE(8, a0, 0, nop)                                  // mcounteren
    TEST_CASE(9, a1, 0, nop)                                  // scounteren
    TEST_CASE(10, a2, 0, nop)                                 // menvcfg
    TEST_CASE(11, a3, 0, nop)                                 // pmpcfg0
    TEST_CASE(12, a4, 0, nop)                                 // pmpcfg2
    TEST_CASE(13, a5, 0, nop)                                 // mcountinhibit
    TESTNUM(14)                                               // misa.MXL = 2
    srli t1, a7, 62
    CHECK(t1, 2)
TEST_END
