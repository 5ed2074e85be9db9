// pmp-lock.S - the PMP lock bit (privileged spec 3.7.1.2):
//   * a locked entry is enforced for M-mode accesses too (R/W/X);
//   * writes to a locked entry's pmpcfg byte and pmpaddr are ignored;
//   * a locked TOR entry also locks the pmpaddr register below it;
//   * unlocked entries remain writable; other bytes of the same pmpcfg register too.
// Locks persist until reset, so only regions used by nothing else are locked.
#include "macros.h"
#define CFG(i, v)   ((v) << (8 * (i)))
TEST_BEGIN
    la s0, lk_data                         // 3 pages: ro, none, tor
    la s1, lk_code                         // a page of code
    li a0, 0x0102030405060708
    sd a0, 0(s0)
    // ---- entry 0: page 0 read-only, locked; entry 1: code page RW (no X), locked
    srli t0, s0, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr0, t0
    srli t0, s1, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr1, t0
    // ---- entry 2: page 1 no access, locked
    li t1, 4096
    add t1, t1, s0
    srli t0, t1, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr2, t0
    // ---- entries 3/4: TOR [page 2, page 2 + 0x100), entry 4 locked read-only;
    //      entry 3 (OFF) only provides the base and gets locked by entry 4
    li t1, 8192
    add t1, t1, s0
    srli t0, t1, 2
    csrw pmpaddr3, t0
    addi t1, t1, 0x100
    srli t0, t1, 2
    csrw pmpaddr4, t0
    li t0, CFG(0, PMP_L | PMP_NAPOT | PMP_R) | CFG(1, PMP_L | PMP_NAPOT | PMP_R | PMP_W) | \
           CFG(2, PMP_L | PMP_NAPOT) | CFG(3, PMP_OFF) | CFG(4, PMP_L | PMP_TOR | PMP_R)
    csrw pmpcfg0, t0

    // ---- M-mode is now checked by locked entries
    TEST_CASE(1, a1, 0x0102030405060708, ld a1, 0(s0))
    TEST_TRAP(2, CAUSE_STORE_ACCESS, sd zero, 0(s0))
    CHECK_REG(s8, s0)
    CHECK(s6, TRAP_M_FROM_M)
    TEST_CASE(3, a1, 0x0102030405060708, ld a1, 0(s0))            // unchanged
    li s2, 4096
    add s2, s2, s0
    TEST_TRAP(4, CAUSE_LOAD_ACCESS, ld a1, 0(s2))
    CHECK_REG(s8, s2)
    TEST_TRAP(5, CAUSE_STORE_ACCESS, sb a1, 7(s2))
    TEST_TRAP_ANY_EPC(6, CAUSE_FETCH_ACCESS, jalr s1)
    CHECK_REG(s7, s1)
    CHECK_REG(s8, s1)
    TEST_NO_TRAP(7, ld a1, 0(s1); sd a1, 8(s1))                   // code page is RW
    li s3, 8192
    add s3, s3, s0
    TEST_NO_TRAP(8, ld a1, 0xf8(s3); ld a1, 0x100(s3); sd a1, 0x100(s3))
    TEST_TRAP(9, CAUSE_STORE_ACCESS, sd a1, 0xf8(s3))
    // ---- locked entries cannot be changed
    TESTNUM(10)
    csrr a0, pmpcfg0
    li t0, CFG(0, PMP_NAPOT | PMP_R | PMP_W | PMP_X) | CFG(1, PMP_NAPOT | PMP_X) | \
           CFG(2, PMP_NA4 | PMP_R) | CFG(4, PMP_NAPOT | PMP_W | PMP_R) | CFG(5, PMP_NA4 | PMP_R)
    csrw pmpcfg0, t0                       // entries 0, 1, 2, 4 are locked
    csrr a1, pmpcfg0
    li t0, 0xffffffffff                    // bytes 0..4 unchanged
    and a2, a1, t0
    and a3, a0, t0
    CHECK_REG(a2, a3)
    TESTNUM(11)                            // ... but unlocked byte 5 did change
    srli a2, a1, 40
    CHECK(a2, PMP_NA4 | PMP_R)
    csrw pmpcfg0, a0                       // (entry 5 back to OFF)
    TESTNUM(12)
    csrr a0, pmpaddr0
    li t0, 0x1234
    csrw pmpaddr0, t0
    csrr a1, pmpaddr0
    CHECK_REG(a0, a1)
    TESTNUM(13)
    csrr a0, pmpaddr2
    csrw pmpaddr2, zero
    csrr a1, pmpaddr2
    CHECK_REG(a0, a1)
    TESTNUM(14)                            // pmpaddr3 is locked through entry 4 (TOR + L)
    csrr a0, pmpaddr3
    csrw pmpaddr3, zero
    csrr a1, pmpaddr3
    CHECK_REG(a0, a1)
    TESTNUM(15)                            // and so is pmpaddr4 itself
    csrr a0, pmpaddr4
    csrw pmpaddr4, zero
    csrr a1, pmpaddr4
    CHECK_REG(a0, a1)
    TESTNUM(16)                            // an unlocked pmpaddr is still writable
    li t0, 0x5555
    csrw pmpaddr5, t0
    csrr a1, pmpaddr5
    CHECK(a1, 0x5555)
    // ---- the same locked rules apply to S-mode
    ENTER_S
    TEST_TRAP(17, CAUSE_STORE_ACCESS, sd zero, 0(s0))
    TEST_TRAP(18, CAUSE_LOAD_ACCESS, lw a1, 0(s2))
    TEST_NO_TRAP(19, ld a1, 0(s0))
    ENTER_M
    // clearing the "enforcement": impossible; the entry still applies afterwards
    TEST_TRAP(20, CAUSE_STORE_ACCESS, sd zero, 0(s0))
TEST_END

    .text
    .align 12
lk_code:
    li a0, 1
    ret
    .align 12

    .bss
    .align 12
lk_data:
    .skip 3 * 4096
