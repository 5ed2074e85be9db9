// mmu-sv39.S - Sv39 address translation (privileged spec 4.3, 4.4):
//   * 3-level walk with 4 KiB pages, 2 MiB megapages and 1 GiB gigapages;
//   * R/W/X permissions (load/store/instruction page faults 13/15/12 with
//     mtval = the faulting virtual address);
//   * misaligned superpages (PPN bits below the leaf level non-zero) -> page fault;
//   * invalid PTEs: V = 0, W = 1 without R, reserved bits 63:54 set, no leaf at level 0;
//   * VA bits 63:39 must equal bit 38;
//   * A/D bits: QEMU 7.2 (and rvisor) set A on access and D on store in hardware
//     (the spec also allows raising a page fault instead);
//   * a misaligned access spanning two virtual pages mapped to non-contiguous
//     physical pages works (no trap) and touches both physical pages;
//   * sfence.vma (all, by address, by ASID) makes PTE changes visible;
//   * satp: unsupported MODE values are not written (WARL), ASIDs are kept.
// All tests run in S-mode; traps go to M (nothing delegated).
#include "macros.h"

#define TVA      0x40000000               // root[1]: test region (tables l1, l0)
#define TVA_MEGA 0x40200000               // l1[1]: 2 MiB megapage -> PA 0x80200000
#define TVA_BADM 0x40400000               // l1[2]: misaligned megapage
#define GVA      0xc0000000               // root[3]: 1 GiB gigapage alias of PA 0x80000000
#define GVA_BAD  0x100000000              // root[4]: misaligned gigapage
#define PAGE(i)  (TVA + 0x1000 * (i))
#define MEGA_PA  0x80200000

// run `insn` in S-mode expecting page fault `cause` with tval = va
#define PF(n, cause, va, ...) TEST_TRAP(n, cause, __VA_ARGS__); CHECK(s8, va)

TEST_BEGIN
    // ---- data: page0 = 0xaa.., page1 = 0xbb..; megapage target
    la s0, dpage0
    li t0, 0xaaaaaaaaaaaaaaaa
    sd t0, 0(s0)
    la s1, dpage1
    li t0, 0xbbbbbbbbbbbbbbbb
    sd t0, 0(s1)
    li t1, MEGA_PA + 0x1238
    li t0, 0x1122334455667788
    sd t0, 0(t1)

    // ---- root: identity gigapages for devices (0) and RAM (2)
    PTE_SET_RAW  root, 0, PTE_FOR(0x00000000, PTE_LEAF)
    PTE_SET_RAW  root, 2, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_LABEL root, 1, l1, PTE_V
    PTE_SET_RAW  root, 3, PTE_FOR(0x80000000, PTE_V | PTE_R | PTE_A)        // read-only gigapage alias
    PTE_SET_RAW  root, 4, PTE_FOR(0x80200000, PTE_LEAF)                       // PPN[0..1] != 0
    // ---- level 1
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_RAW  l1, 1, PTE_FOR(MEGA_PA, PTE_LEAF)
    PTE_SET_RAW  l1, 2, PTE_FOR(MEGA_PA + 0x1000, PTE_LEAF)                  // misaligned megapage
    PTE_SET_LABEL l1, 3, l0_nonleaf, PTE_V
    // ---- level 0 (4 KiB pages)
    PTE_SET_LABEL l0, 0, dpage0, PTE_LEAF & ~PTE_X                   // RW
    PTE_SET_LABEL l0, 1, dpage1, PTE_V | PTE_R | PTE_A               // R
    PTE_SET_LABEL l0, 2, xpage,  PTE_V | PTE_X | PTE_A               // X only
    PTE_SET_LABEL l0, 3, dpage0, PTE_V | PTE_R | PTE_W               // A = D = 0
    PTE_SET_LABEL l0, 4, dpage1, PTE_R | PTE_W | PTE_A | PTE_D       // V = 0
    PTE_SET_LABEL l0, 5, dpage1, PTE_V | PTE_W | PTE_A | PTE_D       // W without R
    PTE_SET_LABEL l0, 6, dpage1, PTE_LEAF                             // + reserved bit, below
    PTE_GET t3, l0, 6
    li t4, 1 << 54
    or t3, t3, t4
    PTE_SET_RAW_REG l0, 6, t3
    PTE_SET_LABEL l0, 8, dpage1, PTE_LEAF & ~PTE_X                   // pages 8, 9: physically
    PTE_SET_LABEL l0, 9, dpage0, PTE_LEAF & ~PTE_X                   //   swapped neighbours
    PTE_SET_LABEL l0, 10, dpage0, PTE_LEAF & ~PTE_X                  // for sfence tests
    PTE_SET_LABEL l0_nonleaf, 0, l0, PTE_V                           // pointer at level 0

    SATP_SET SATP_MODE_SV39, root
    ENTER_S

    // ---- 4 KiB pages
    TEST_CASE(1, a0, 0xaaaaaaaaaaaaaaaa, li t0, PAGE(0); ld a0, 0(t0))
    TEST_CASE(2, a0, 0xbbbbbbbbbbbbbbbb, li t0, PAGE(1); ld a0, 0(t0))
    TEST_CASE(3, a0, 0x77, li t0, PAGE(0); li t1, 0x77; sd t1, 16(t0); ld a0, 16(s0))  // store lands in dpage0
    // ---- megapage and gigapage
    TEST_CASE(4, a0, 0x1122334455667788, li t0, TVA_MEGA + 0x1238; ld a0, 0(t0))
    TESTNUM(5)
    li t0, GVA                             // GVA + (dpage1 - RAM_BASE)
    li t1, RAM_BASE
    sub t1, s1, t1
    add t0, t0, t1
    ld a0, 0(t0)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
    // ---- permissions
    li t0, PAGE(1)
    PF(6, CAUSE_STORE_PAGE_FAULT, PAGE(1) + 8, sd a0, 8(t0))
    CHECK(s6, TRAP_M_FROM_S)
    li t0, PAGE(2)
    PF(7, CAUSE_LOAD_PAGE_FAULT, PAGE(2), ld a0, 0(t0))          // X-only page not readable (MXR = 0)
    TEST_CASE(8, a0, 42, li a0, 0; li t0, PAGE(2); jalr t0)       // but executable
    li t0, PAGE(0)
    TEST_TRAP_ANY_EPC(9, CAUSE_FETCH_PAGE_FAULT, jalr t0)         // RW page not executable
    CHECK(s7, PAGE(0))
    CHECK(s8, PAGE(0))
    TESTNUM(10)                            // store to the read-only gigapage alias
    li t0, GVA
    li s9, -1
    la s10, 1f
    sd zero, 0(t0)
1:  CHECK(s9, CAUSE_STORE_PAGE_FAULT)
    CHECK(s8, GVA)
    // AMO on a read-only page: store page fault
    li t0, PAGE(1)
    PF(11, CAUSE_STORE_PAGE_FAULT, PAGE(1), amoadd.d a0, zero, (t0))
    // ---- misaligned superpages
    li t0, TVA_BADM + 8
    PF(12, CAUSE_LOAD_PAGE_FAULT, TVA_BADM + 8, ld a0, 0(t0))
    li t0, GVA_BAD
    PF(13, CAUSE_STORE_PAGE_FAULT, GVA_BAD, sw a0, 0(t0))
    TEST_TRAP_ANY_EPC(14, CAUSE_FETCH_PAGE_FAULT, jalr t0)
    CHECK(s8, GVA_BAD)
    // ---- invalid PTEs
    li t0, PAGE(4)
    PF(15, CAUSE_LOAD_PAGE_FAULT, PAGE(4), ld a0, 0(t0))          // V = 0
    li t0, PAGE(5)
    PF(16, CAUSE_LOAD_PAGE_FAULT, PAGE(5), ld a0, 0(t0))          // W without R
    PF(17, CAUSE_STORE_PAGE_FAULT, PAGE(5), sd a0, 0(t0))
    li t0, PAGE(6)
    PF(18, CAUSE_LOAD_PAGE_FAULT, PAGE(6), ld a0, 0(t0))          // reserved bit 54
    li t0, 0x40600000
    PF(19, CAUSE_LOAD_PAGE_FAULT, 0x40600000, ld a0, 0(t0))       // pointer PTE at level 0
    li t0, 0x40800000
    PF(20, CAUSE_LOAD_PAGE_FAULT, 0x40800000, ld a0, 0(t0))       // l1[4] empty
    li t0, 0x140000000
    PF(21, CAUSE_STORE_PAGE_FAULT, 0x140000000, sd a0, 0(t0))     // root[5] empty
    // ---- non-canonical virtual addresses (bits 63:39 != bit 38)
    li t0, 0x0000008000000000
    PF(22, CAUSE_LOAD_PAGE_FAULT, 0x0000008000000000, ld a0, 0(t0))
    li t0, 0xffffff8000000000 ^ 0x0000004000000000   // bit 38 = 0 but bits 63:39 = 1
    PF(23, CAUSE_STORE_PAGE_FAULT, 0xffffff8000000000 ^ 0x0000004000000000, sd a0, 0(t0))
    li t0, 0x8000000080000000
    TEST_TRAP_ANY_EPC(24, CAUSE_FETCH_PAGE_FAULT, jalr t0)
    CHECK(s8, 0x8000000080000000)

    // ---- A/D bits set by hardware
    TESTNUM(25)
    li t0, PAGE(3)
    ld a0, 0(t0)
    CHECK(a0, 0xaaaaaaaaaaaaaaaa)
    PTE_GET a1, l0, 3
    andi a2, a1, PTE_A | PTE_D
    CHECK(a2, PTE_A)                       // A set by the load, D still clear
    TESTNUM(26)
    li t0, PAGE(3)
    sd a0, 8(t0)
    PTE_GET a1, l0, 3
    andi a2, a1, PTE_A | PTE_D
    CHECK(a2, PTE_A | PTE_D)

    // ---- misaligned access across two virtual pages (physically swapped)
    TESTNUM(27)
    li t0, 0x1111111111111111
    li t1, 0x2222222222222222
    li t2, 4088
    add t2, t2, s1
    sd t0, 0(t2)                           // end of dpage1 (VA page 8)
    sd t1, 0(s0)                           // start of dpage0 (VA page 9)
    li t0, PAGE(9) - 4
    ld a0, 0(t0)
    CHECK(a0, 0x2222222211111111)
    TESTNUM(28)
    li a1, 0x0123456789abcdef
    li t0, PAGE(9) - 3
    sd a1, 0(t0)
    lbu a2, 0(s0)                          // byte 3 of a1 lands at dpage0[0]
    CHECK(a2, 0x89)
    lbu a2, 4(s0)                          // byte 7 at dpage0[4]
    CHECK(a2, 0x01)
    li t2, 4093
    add t2, t2, s1
    lbu a2, 0(t2)
    CHECK(a2, 0xef)

    // ---- sfence.vma makes a PTE change visible: page 10 dpage0 -> dpage1
    TESTNUM(29)
    li t0, 0xaaaaaaaaaaaaaaaa
    sd t0, 0(s0)
    li t0, PAGE(10)
    ld a0, 0(t0)                           // (cached translation, if any)
    CHECK(a0, 0xaaaaaaaaaaaaaaaa)
    PTE_SET_LABEL l0, 10, dpage1, PTE_LEAF & ~PTE_X
    li t0, PAGE(10)
    sfence.vma t0, zero                    // by address
    ld a0, 0(t0)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
    TESTNUM(30)
    PTE_SET_LABEL l0, 10, dpage0, PTE_LEAF & ~PTE_X
    sfence.vma                             // everything
    li t0, PAGE(10)
    ld a0, 0(t0)
    CHECK(a0, 0xaaaaaaaaaaaaaaaa)
    TESTNUM(31)                            // invalidate a PTE: the access faults after sfence
    PTE_SET_RAW l0, 10, 0
    li t0, PAGE(10)
    sfence.vma t0, zero
    li s9, -1
    la s10, 2f
    ld a0, 0(t0)
2:  CHECK(s9, CAUSE_LOAD_PAGE_FAULT)
    TESTNUM(32)                            // fault is not cached: map it again
    PTE_SET_LABEL l0, 10, dpage1, PTE_LEAF & ~PTE_X
    li t0, PAGE(10)
    sfence.vma t0, zero
    ld a0, 0(t0)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
    ENTER_M

    // ---- ASIDs: satp keeps the ASID; sfence.vma by ASID flushes it
    TESTNUM(33)
    la t0, root
    srli t0, t0, 12
    li t1, SATP_MODE_SV39 | (5 << 44)
    or t0, t0, t1
    csrw satp, t0
    csrr a0, satp
    CHECK_REG(a0, t0)
    sfence.vma
    ENTER_S
    TESTNUM(34)
    li t0, PAGE(10)
    ld a0, 0(t0)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
    PTE_SET_LABEL l0, 10, dpage0, PTE_LEAF & ~PTE_X
    li t1, 5
    sfence.vma zero, t1
    li t0, PAGE(10)
    ld a0, 0(t0)
    CHECK(a0, 0xaaaaaaaaaaaaaaaa)
    TESTNUM(35)                            // by address and ASID
    PTE_SET_LABEL l0, 10, dpage1, PTE_LEAF & ~PTE_X
    li t0, PAGE(10)
    li t1, 5
    sfence.vma t0, t1
    ld a0, 0(t0)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
    ENTER_M

    // ---- satp WARL: unsupported modes leave satp unchanged
    TESTNUM(36)
    csrr a0, satp
    li t0, (1 << 60) | 0x1234              // mode 1: reserved
    csrw satp, t0
    csrr a1, satp
    CHECK_REG(a0, a1)
    li t0, (11 << 60) | 0x1234             // Sv64: not supported
    csrw satp, t0
    csrr a1, satp
    CHECK_REG(a0, a1)
    li t0, (15 << 60)
    csrw satp, t0
    csrr a1, satp
    CHECK_REG(a0, a1)
    TESTNUM(37)                            // Bare is always accepted
    csrw satp, zero
    csrr a1, satp
    CHECK(a1, 0)
    TESTNUM(38)                            // with satp = Bare, S-mode addresses are physical
    ENTER_S
    ld a0, 0(s1)
    CHECK(a0, 0xbbbbbbbbbbbbbbbb)
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
root:       .skip 4096
l1:         .skip 4096
l0:         .skip 4096
l0_nonleaf: .skip 4096
dpage0:     .skip 4096
dpage1:     .skip 4096
