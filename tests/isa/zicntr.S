// zicntr.S - Zicntr (unprivileged spec ch. 10) and the counter-enable CSRs
// (privileged spec 3.1.11 mcounteren, 4.1.5 scounteren, 3.1.12 mcountinhibit):
//   * cycle, time, instret advance; mcycle/minstret are the same counters and are
//     writable from M-mode; time matches the CLINT mtime register;
//   * mcountinhibit.CY/IR stop mcycle/minstret;
//   * from S-mode a counter is readable only if its mcounteren bit is set; from
//     U-mode only if both the mcounteren and the scounteren bits are set; otherwise
//     illegal instruction with mtval = the instruction bits.
#include "macros.h"

#define RDCYCLE_A0   0xc0002573          // csrr a0, cycle
#define RDTIME_A0    0xc0102573          // csrr a0, time
#define RDINSTRET_A0 0xc0202573          // csrr a0, instret
#define RDHPM3_A0    0xc0302573          // csrr a0, hpmcounter3

TEST_BEGIN
    // ---- counters advance
    TESTNUM(1)
    rdcycle a0
    SPIN 1000
    rdcycle a1
    bgeu a0, a1, fail
    TESTNUM(2)
    rdinstret a0
    SPIN 1000
    rdinstret a1
    bgeu a0, a1, fail
    sub a2, a1, a0
    li a3, 1000                          // at least the ~2000 loop instructions retired
    bltu a2, a3, fail
    TESTNUM(3)
    rdtime a0
    SPIN 200000
    rdtime a1
    bgeu a0, a1, fail
    // ---- time reads the same clock as the CLINT's mtime
    TESTNUM(4)
    li s0, CLINT_MTIME
    ld a0, 0(s0)
    rdtime a1
    ld a2, 0(s0)
    bltu a1, a0, fail
    bltu a2, a1, fail
    // ---- mcycle / minstret: writable, and cycle / instret read them
    TESTNUM(5)
    li a0, 0x0000100000000000
    csrw mcycle, a0
    rdcycle a1
    bltu a1, a0, fail
    li a2, 0x0000100010000000
    bgeu a1, a2, fail
    TESTNUM(6)
    li a0, 0x0000200000000000
    csrw minstret, a0
    rdinstret a1
    bltu a1, a0, fail
    li a2, 0x0000200010000000            // (QEMU's instret runs at host-tick speed:
    bgeu a1, a2, fail                    //  only a loose upper bound is checked)
    TESTNUM(7)
    csrw minstret, zero
    csrr a0, minstret
    li a2, 0x10000000
    bgeu a0, a2, fail
    // ---- mcountinhibit stops the counters; clearing it lets them run again
    TESTNUM(8)
    csrwi mcountinhibit, 0x5             // CY and IR
    csrr a0, mcycle
    csrr a1, minstret
    SPIN 1000
    csrr a2, mcycle
    csrr a3, minstret
    CHECK_REG(a0, a2)
    CHECK_REG(a1, a3)
    csrwi mcountinhibit, 0
    SPIN 1000
    csrr a2, mcycle
    csrr a3, minstret
    beq a0, a2, fail
    beq a1, a3, fail

    // ---- mcounteren gates S-mode
    csrw mcounteren, zero
    csrw scounteren, zero
    ENTER_S
    TEST_TRAP_TVAL( 9, CAUSE_ILLEGAL_INSTRUCTION, RDCYCLE_A0,   .word RDCYCLE_A0)
    TEST_TRAP_TVAL(10, CAUSE_ILLEGAL_INSTRUCTION, RDTIME_A0,    .word RDTIME_A0)
    TEST_TRAP_TVAL(11, CAUSE_ILLEGAL_INSTRUCTION, RDINSTRET_A0, .word RDINSTRET_A0)
    TEST_TRAP_TVAL(12, CAUSE_ILLEGAL_INSTRUCTION, RDHPM3_A0,    .word RDHPM3_A0)
    CHECK(s6, TRAP_M_FROM_S)
    ENTER_M
    // each bit enables exactly one counter
    csrwi mcounteren, 0x2                // TM only
    ENTER_S
    TEST_NO_TRAP(13, rdtime a0)
    TEST_TRAP(14, CAUSE_ILLEGAL_INSTRUCTION, rdcycle a0)
    TEST_TRAP(15, CAUSE_ILLEGAL_INSTRUCTION, rdinstret a0)
    ENTER_M
    csrwi mcounteren, 0xf
    ENTER_S
    TEST_NO_TRAP(16, rdcycle a0; rdtime a0; rdinstret a0; csrr a0, hpmcounter3)
    // scounteren does not affect S-mode itself
    TEST_NO_TRAP(17, csrw scounteren, zero; rdcycle a0)
    ENTER_M

    // ---- U-mode needs both mcounteren and scounteren
    csrwi mcounteren, 0xf
    csrw scounteren, zero
    ENTER_U
    TEST_TRAP_TVAL(18, CAUSE_ILLEGAL_INSTRUCTION, RDCYCLE_A0,   .word RDCYCLE_A0)
    TEST_TRAP_TVAL(19, CAUSE_ILLEGAL_INSTRUCTION, RDTIME_A0,    .word RDTIME_A0)
    TEST_TRAP_TVAL(20, CAUSE_ILLEGAL_INSTRUCTION, RDINSTRET_A0, .word RDINSTRET_A0)
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M
    csrw mcounteren, zero
    csrwi scounteren, 0xf
    ENTER_U
    TEST_TRAP(21, CAUSE_ILLEGAL_INSTRUCTION, rdcycle a0)
    TEST_TRAP(22, CAUSE_ILLEGAL_INSTRUCTION, rdtime a0)
    TEST_TRAP(23, CAUSE_ILLEGAL_INSTRUCTION, rdinstret a0)
    TEST_TRAP(24, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, hpmcounter3)
    ENTER_M
    csrwi mcounteren, 0x5                // CY, IR
    csrwi scounteren, 0x4                // IR
    ENTER_U
    TEST_NO_TRAP(25, rdinstret a0)
    TEST_TRAP(26, CAUSE_ILLEGAL_INSTRUCTION, rdcycle a0)
    TEST_TRAP(27, CAUSE_ILLEGAL_INSTRUCTION, rdtime a0)
    ENTER_M
    csrwi mcounteren, 0xf
    csrwi scounteren, 0xf
    ENTER_U
    TESTNUM(28)
    rdcycle a0
    rdtime a1
    rdinstret a2
    SPIN 1000
    rdcycle a3
    rdinstret a4
    bgeu a0, a3, fail
    bgeu a2, a4, fail
    TEST_CASE(29, a0, 0, csrr a0, hpmcounter3)
    // M-mode counters are never accessible from U
    TEST_TRAP(30, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mcycle)
    // the user counters are read-only even when enabled
    TEST_TRAP(31, CAUSE_ILLEGAL_INSTRUCTION, csrw cycle, zero)
    ENTER_M
    // M-mode is never gated by mcounteren
    csrw mcounteren, zero
    TEST_NO_TRAP(32, rdcycle a0; rdtime a0; rdinstret a0; csrr a0, hpmcounter3)
TEST_END
