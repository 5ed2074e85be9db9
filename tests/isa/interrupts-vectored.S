// interrupts-vectored.S - vectored trap vectors (privileged spec 3.1.7 mtvec, 4.1.2
// stvec): with MODE = 1, synchronous exceptions go to BASE and interrupts to
// BASE + 4 * cause; with MODE = 0 everything goes to BASE.
// The vector tables below record which entry was used in `vec_hit` and then jump to
// the common handler of macros.h (which logs interrupts and records exceptions).
#include "macros.h"
#define LOG_COUNT(rd) la t0, irq_log_count; ld rd, 0(t0)

TEST_BEGIN
    // ---- M-mode vectored
    la t0, mvec_table
    ori t0, t0, 1
    csrw mtvec, t0
    TESTNUM(1)                             // exception: BASE (entry 0)
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    li s9, -1
    la s10, 1f
    ebreak
1:  CHECK(s9, CAUSE_BREAKPOINT)
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 0)
    TESTNUM(2)                             // machine software interrupt: entry 3
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    csrsi mie, MIP_MSIP
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 3)
    TESTNUM(3)                             // machine timer: entry 7
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    li t0, MIP_MTIP
    csrs mie, t0
    li t0, CLINT_MTIMECMP
    sd zero, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    li t0, CLINT_MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 7)
    TESTNUM(4)                             // supervisor software (not delegated): entry 1
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    csrsi mie, MIP_SSIP
    csrsi mip, MIP_SSIP
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    csrci mip, MIP_SSIP
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 1)
    TESTNUM(5)                             // supervisor external (not delegated): entry 9
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    li t0, MIP_SEIP
    csrs mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    li t0, MIP_SEIP
    csrc mip, t0
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 9)
    TESTNUM(6)
    LOG_COUNT(a0)
    CHECK(a0, 4)

    // ---- S-mode vectored: delegated SSI -> stvec BASE + 4; exception -> BASE
    la t0, svec_table
    ori t0, t0, 1
    csrw stvec, t0
    li t0, MIP_SSIP
    csrw mideleg, t0
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    ENTER_S
    TESTNUM(7)
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    li s9, -1
    la s10, 2f
    ebreak
2:  CHECK(s9, CAUSE_BREAKPOINT)
    CHECK(s6, TRAP_S_FROM_S)
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 0x100)                       // S table, entry 0
    TESTNUM(8)
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    csrsi sie, MIP_SSIP
    csrsi sip, MIP_SSIP
    csrsi sstatus, MSTATUS_SIE
    SPIN 10
    csrci sstatus, MSTATUS_SIE
    csrci sip, MIP_SSIP
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 0x101)                       // S table, entry 1
    ENTER_M
    csrw medeleg, zero
    csrw mideleg, zero
    // ---- direct mode: interrupts go to BASE too
    la t0, mvec_table
    csrw mtvec, t0
    TESTNUM(9)
    li a0, -1
    la t0, vec_hit
    sd a0, 0(t0)
    csrsi mie, MIP_MSIP
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    SPIN 10
    csrci mstatus, MSTATUS_MIE
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    la t0, vec_hit
    ld a0, 0(t0)
    CHECK(a0, 0)
    la t0, m_trap_vector
    csrw mtvec, t0
TEST_END

// ---- vector tables: 16 entries of one 4-byte jump each
    .option push
    .option norvc
    .align 8
mvec_table:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j mstub_\i
    .endr
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
mstub_\i:
    csrrw sp, mscratch, sp
    sd t0, 24(sp)
    sd t1, 32(sp)
    la t0, vec_hit
    li t1, \i
    sd t1, 0(t0)
    ld t0, 24(sp)
    ld t1, 32(sp)
    csrrw sp, mscratch, sp
    j m_trap_vector
    .endr
    .align 8
svec_table:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j sstub_\i
    .endr
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
sstub_\i:
    csrrw sp, sscratch, sp
    sd t0, 24(sp)
    sd t1, 32(sp)
    la t0, vec_hit
    li t1, 0x100 + \i
    sd t1, 0(t0)
    ld t0, 24(sp)
    ld t1, 32(sp)
    csrrw sp, sscratch, sp
    j s_trap_vector
    .endr
    .option pop

    .data
    .align 3
vec_hit: .dword -1
