// pmp-basic.S - physical memory protection for S/U-mode (privileged spec 3.7):
//   * 16 entries (pmpcfg0/pmpcfg2 on RV64, pmpaddr0..15) are implemented;
//   * NAPOT, NA4 and TOR address matching; R/W/X permission checks from S and U
//     (loads -> load access fault 5, stores -> store access fault 7, fetch ->
//     instruction access fault 1; mtval = address);
//   * M-mode is not checked by unlocked entries;
//   * the lowest-numbered matching entry decides;
//   * an access only partially inside a matching region fails;
//   * S/U accesses that match no entry fail (some entries being implemented);
//   * granularity: G = 0 (4 bytes; NA4 selectable), pmpaddr keeps all written bits
//     in the 54-bit field.
// Entry 15 is the start-up catch-all (NAPOT, whole address space, RWX); tests use
// lower entries, which take priority over it.
#include "macros.h"

#define SET_CFG0(v) li t0, v; csrw pmpcfg0, t0
#define CFG(i, v)   ((v) << (8 * (i)))

TEST_BEGIN
    la s0, pmp_data                        // two 4 KiB pages
    la s1, xpage
    // ---- entry 0: NAPOT over pmp_data page 0, read-only
    TESTNUM(1)
    srli t0, s0, 2
    ori t0, t0, (4096 >> 3) - 1            // NAPOT 4 KiB
    csrw pmpaddr0, t0
    SET_CFG0(CFG(0, PMP_NAPOT | PMP_R))
    csrr a0, pmpcfg0
    andi a0, a0, 0xff
    CHECK(a0, PMP_NAPOT | PMP_R)
    TEST_NO_TRAP(2, sd zero, 0(s0); ld a0, 8(s0))          // M-mode: no check
    ENTER_S
    TEST_NO_TRAP(3, ld a0, 0(s0); li t0, 4092; add t0, t0, s0; lw a0, 0(t0))
    TEST_TRAP(4, CAUSE_STORE_ACCESS, sd a0, 16(s0))
    addi t0, s0, 16
    CHECK_REG(s8, t0)
    CHECK(s6, TRAP_M_FROM_S)
    li t1, 4095
    add t1, t1, s0
    TEST_TRAP(5, CAUSE_STORE_ACCESS, sb a0, 0(t1))
    TEST_NO_TRAP(6, li t0, 4096; add t0, t0, s0; sd a0, 0(t0))   // next page: entry 15
    ENTER_M
    ENTER_U
    TEST_NO_TRAP(7, ld a0, 0(s0))
    TEST_TRAP(8, CAUSE_STORE_ACCESS, sw a0, 0(s0))
    CHECK(s6, TRAP_M_FROM_U)
    ENTER_M
    // ---- no R: loads fault (and AMOs, which also read; QEMU reports those as loads)
    SET_CFG0(CFG(0, PMP_NAPOT | PMP_W))
    ENTER_S
    TEST_TRAP(9, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
    CHECK_REG(s8, s0)
    TEST_TRAP(10, CAUSE_LOAD_ACCESS, lbu a0, 100(s0))
    ENTER_M
    // ---- partial match: an aligned 8-byte access half inside a 4-byte (NA4) region
    //      fails even though both entries involved would allow it (spec 3.7.1: "The
    //      matching PMP entry must match all bytes of an access, or the access fails,
    //      irrespective of the L, R, W, and X bits") - in M-mode too
    li a0, 0x1122334455667788
    sd a0, 0x40(s0)
    addi t0, s0, 0x44
    srli t0, t0, 2
    csrw pmpaddr0, t0
    SET_CFG0(CFG(0, PMP_NA4 | PMP_R | PMP_W))
    ENTER_S
    TEST_NO_TRAP(11, lw a1, 0x44(s0); sw a1, 0x44(s0); ld a1, 0x48(s0))
    TEST_TRAP(12, CAUSE_LOAD_ACCESS, ld a1, 0x40(s0))
    addi t0, s0, 0x40
    CHECK_REG(s8, t0)
    li a1, -1
    TEST_TRAP(13, CAUSE_STORE_ACCESS, sd a1, 0x40(s0))
    ENTER_M
    TEST_TRAP(14, CAUSE_STORE_ACCESS, sd a1, 0x40(s0))     // M-mode: partial match fails too
    CHECK(s6, TRAP_M_FROM_M)
    TEST_TRAP(15, CAUSE_LOAD_ACCESS, ld a1, 0x40(s0))
    TESTNUM(16)                            // nothing was written (read as two words)
    lwu a1, 0x40(s0)
    lwu a2, 0x44(s0)
    slli a2, a2, 32
    or a1, a1, a2
    CHECK_REG(a0, a1)

    // ---- execute permission: xpage covered by entry 1 without X
    srli t0, s1, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr1, t0
    SET_CFG0(CFG(1, PMP_NAPOT | PMP_R | PMP_W))
    ENTER_S
    TEST_TRAP_ANY_EPC(17, CAUSE_FETCH_ACCESS, jalr s1)
    CHECK_REG(s7, s1)
    CHECK_REG(s8, s1)
    TEST_NO_TRAP(18, ld a0, 0(s1))         // readable
    ENTER_M
    TEST_CASE(19, a0, 42, li a0, 0; jalr s1)   // M executes it
    SET_CFG0(CFG(1, PMP_NAPOT | PMP_X))
    ENTER_U
    TEST_CASE(20, a0, 42, li a0, 0; jalr s1)   // X only: U executes
    TEST_TRAP(21, CAUSE_LOAD_ACCESS, ld a0, 0(s1))  // but cannot read it
    ENTER_M

    // ---- TOR: entry 3 covers [pmpaddr2, pmpaddr3) = [s0 + 0x100, s0 + 0x200)
    addi t0, s0, 0x100
    srli t0, t0, 2
    csrw pmpaddr2, t0
    addi t0, s0, 0x200
    srli t0, t0, 2
    csrw pmpaddr3, t0
    SET_CFG0(CFG(2, PMP_OFF) | CFG(3, PMP_TOR))   // entry 2 OFF: only its address is used
    ENTER_S
    TEST_NO_TRAP(22, ld a0, 0xf8(s0); ld a0, 0x200(s0); sd a0, 0x200(s0))
    TEST_TRAP(23, CAUSE_LOAD_ACCESS, ld a0, 0x100(s0))
    TEST_TRAP(24, CAUSE_STORE_ACCESS, sw a0, 0x1fc(s0))
    addi t0, s0, 0x1fc
    CHECK_REG(s8, t0)
    ENTER_M
    // TOR in entry 0: its range is [0, pmpaddr0). Entry 0 = TOR RWX up to s0 + 0x10
    // (covers this code too); entry 1 = NAPOT read-only over the page of s0.
    addi t0, s0, 0x10
    srli t0, t0, 2
    csrw pmpaddr0, t0
    srli t0, s0, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr1, t0
    SET_CFG0(CFG(0, PMP_TOR | PMP_R | PMP_W | PMP_X) | CFG(1, PMP_NAPOT | PMP_R))
    ENTER_S
    TEST_NO_TRAP(26, sd a0, 8(s0))
    TEST_TRAP(25, CAUSE_STORE_ACCESS, sd a0, 0x10(s0))
    ENTER_M
    // ---- NA4: exactly one 4-byte word
    addi t0, s0, 0x40
    srli t0, t0, 2
    csrw pmpaddr0, t0
    SET_CFG0(CFG(0, PMP_NA4))
    TESTNUM(27)
    csrr a0, pmpcfg0
    andi a0, a0, 0xff
    CHECK(a0, PMP_NA4)                     // NA4 is selectable: G = 0
    ENTER_S
    TEST_TRAP(28, CAUSE_LOAD_ACCESS, lw a0, 0x40(s0))
    TEST_TRAP(29, CAUSE_STORE_ACCESS, sb a0, 0x43(s0))
    TEST_NO_TRAP(30, lw a0, 0x3c(s0); lw a0, 0x44(s0))
    ENTER_M

    // ---- priority: the lowest-numbered matching entry wins
    srli t0, s0, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr4, t0
    csrw pmpaddr5, t0
    addi t0, s0, 0x80
    srli t0, t0, 2
    ori t0, t0, (64 >> 3) - 1              // NAPOT 64 bytes at s0 + 0x80
    csrw pmpaddr0, t0
    SET_CFG0(CFG(0, PMP_NAPOT | PMP_R | PMP_W) | CFG(4, PMP_NAPOT) | CFG(5, PMP_NAPOT | PMP_R | PMP_W))
    ENTER_S
    TEST_TRAP(31, CAUSE_LOAD_ACCESS, ld a0, 0(s0))     // entry 4 (no perms) beats entry 5
    TEST_NO_TRAP(32, ld a0, 0x80(s0); sd a0, 0xb8(s0)) // entry 0 (RW) beats entry 4
    TEST_TRAP(33, CAUSE_LOAD_ACCESS, ld a0, 0xc0(s0))
    ENTER_M
    SET_CFG0(CFG(4, PMP_NAPOT | PMP_R | PMP_W) | CFG(5, PMP_NAPOT))
    ENTER_S
    TEST_NO_TRAP(34, ld a0, 0(s0); sd a0, 0(s0))      // entry 4 (RW) beats entry 5
    ENTER_M
    csrw pmpcfg0, zero

    // ---- entries 8..14 (pmpcfg2) work the same
    srli t0, s0, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr9, t0
    li t0, CFG(1, PMP_NAPOT | PMP_R) | CFG(7, PMP_NAPOT | PMP_R | PMP_W | PMP_X)
    csrw pmpcfg2, t0
    ENTER_S
    TEST_TRAP(35, CAUSE_STORE_ACCESS, sd a0, 0(s0))
    ENTER_M

    // ---- no matching entry in S/U-mode: fail. Entry 14 covers the test image
    //      (first 2 MiB of RAM) RWX, entry 15 is turned off; RAM beyond is unmatched.
    li t0, PMP_NAPOT_ADDR(RAM_BASE, 0x200000)
    csrw pmpaddr14, t0
    li t0, CFG(6, PMP_NAPOT | PMP_R | PMP_W | PMP_X)
    csrw pmpcfg2, t0
    li s2, RAM_BASE + 0x400000
    sd zero, 0(s2)                         // M-mode: fine
    ENTER_S
    TEST_NO_TRAP(36, ld a0, 0(s0))
    TEST_TRAP(37, CAUSE_LOAD_ACCESS, ld a0, 0(s2))
    CHECK_REG(s8, s2)
    TEST_TRAP(38, CAUSE_STORE_ACCESS, sd a0, 0(s2))
    ENTER_M
    ENTER_U
    TEST_TRAP(39, CAUSE_LOAD_ACCESS, lb a0, 0(s2))
    ENTER_M
    // restore the catch-all
    li t0, CFG(7, PMP_NAPOT | PMP_R | PMP_W | PMP_X)
    csrw pmpcfg2, t0

    // ---- pmpaddr granularity: all written bits of the 54-bit field are kept (G = 0)
    TEST_CASE(40, a0, 0x12345, li t0, 0x12345; csrw pmpaddr6, t0; csrr a0, pmpaddr6)
    TEST_CASE(41, a0, 0x003fffffffffffff, li t0, 0x003fffffffffffff; csrw pmpaddr6, t0; csrr a0, pmpaddr6)
    TEST_CASE(42, a0, 0x1, li t0, 1; csrw pmpaddr6, t0; csrr a0, pmpaddr6)
    // all 16 pmpaddr registers exist
    TESTNUM(43)
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14
    li t0, 0x1000 + \i
    csrw pmpaddr\i, t0
    .endr
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14
    csrr a0, pmpaddr\i
    CHECK(a0, 0x1000 + \i)
    .endr
    // pmpcfg1 / pmpcfg3 do not exist on RV64
    TEST_TRAP(44, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, pmpcfg1)
    TEST_TRAP(45, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, pmpcfg3)
    // PMP CSRs are M-only
    ENTER_S
    TEST_TRAP(46, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, pmpcfg0)
    ENTER_M
TEST_END

    .text
    .align 12
xpage:
    li a0, 42
    ret
    .align 12

    .bss
    .align 12
    .skip 4096
pmp_data:
    .skip 8192
