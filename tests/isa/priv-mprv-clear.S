// priv-mprv-clear.S - privileged spec 1.12, 3.1.6.1: "An MRET or SRET instruction that
// changes the privilege mode to a mode less privileged than M also sets MPRV=0."
// QEMU 7.2 does not implement this rule (MPRV survives an MRET to S/U): qemu-skip.txt.
// satp is Bare throughout, so a stale MPRV=1 cannot break the trap handler here.
#include "macros.h"
#define MPRV_OF(rd) csrr rd, mstatus; li t0, MSTATUS_MPRV; and rd, rd, t0
TEST_BEGIN
    // MRET to S clears MPRV
    TESTNUM(1)
    MSTATUS_SET MSTATUS_MPRV
    ENTER_S
    ENTER_M
    MPRV_OF(a0)
    CHECK(a0, 0)
    // MRET to U clears MPRV
    TESTNUM(2)
    MSTATUS_SET MSTATUS_MPRV
    ENTER_U
    ENTER_M
    MPRV_OF(a0)
    CHECK(a0, 0)
    // MRET to M keeps MPRV
    TESTNUM(3)
    MSTATUS_CLR MSTATUS_MPP
    MSTATUS_SET MSTATUS_MPRV | MSTATUS_MPP_M
    la t0, 1f
    csrw mepc, t0
    mret
1:  MPRV_OF(a0)
    CHECK(a0, MSTATUS_MPRV)
    // SRET (executed in M) to S clears MPRV
    TESTNUM(4)
    MSTATUS_SET MSTATUS_SPP | MSTATUS_MPRV
    la t0, 2f
    csrw sepc, t0
    sret
2:  ENTER_M
    MPRV_OF(a0)
    CHECK(a0, 0)
    // SRET executed in S to U: MPRV was set again from M (MPP = M keeps it through
    // the ENTER_M return); it is cleared by the sret to U
    TESTNUM(5)
    MSTATUS_CLR MSTATUS_SPP
    MSTATUS_SET MSTATUS_MPRV
    la t0, 3f
    csrw sepc, t0
    sret
3:  ENTER_M
    MPRV_OF(a0)
    CHECK(a0, 0)
TEST_END
