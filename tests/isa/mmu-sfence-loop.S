// mmu-sfence-loop.S - sfence.vma by address in a hot loop (privileged spec 4.2.1): a PTE is
// switched between two physical pages 300 times, each change made visible with sfence.vma of
// that page only, and a load after each must see the new page. Hot enough to run translated
// (where sfence.vma with an address flushes through an import, not an exit to the interpreter);
// a load through a neighbouring page checks that nothing else was dropped wrongly; a final
// round in which the page is unmapped must fault. Runs in S-mode; traps go to M.
#include "macros.h"

#define TVA      0x40000000               // root[1]: test region (tables l1, l0)
#define PAGE(i)  (TVA + 0x1000 * (i))
#define ROUNDS   300

TEST_BEGIN
    la s0, dpage0
    li t0, 0xaaaaaaaaaaaaaaaa
    sd t0, 0(s0)
    la s1, dpage1
    li t0, 0xbbbbbbbbbbbbbbbb
    sd t0, 0(s1)
    PTE_SET_RAW  root, 0, PTE_FOR(0x00000000, PTE_LEAF)
    PTE_SET_RAW  root, 2, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_LABEL root, 1, l1, PTE_V
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_LABEL l0, 3, dpage1, PTE_LEAF & ~PTE_X                   // a neighbour, never changed
    PTE_SET_LABEL l0, 4, dpage0, PTE_LEAF & ~PTE_X                   // switched below
    // PTE values for page 4: s2 -> dpage0, s3 -> dpage1; s4 = &l0[4]
    PTE_GET s2, l0, 4
    PTE_SET_LABEL l0, 4, dpage1, PTE_LEAF & ~PTE_X
    PTE_GET s3, l0, 4
    la s4, l0
    addi s4, s4, 4 * 8
    SATP_SET SATP_MODE_SV39, root
    ENTER_S

    TESTNUM(1)
    li s5, ROUNDS
    li s6, PAGE(4)
    li s7, PAGE(3)
    li a2, 0xaaaaaaaaaaaaaaaa
    li a3, 0xbbbbbbbbbbbbbbbb
1:  sd s2, 0(s4)                           // page 4 -> dpage0
    sfence.vma s6, zero
    ld a0, 0(s6)
    bne a0, a2, fail
    ld a1, 0(s7)                           // the neighbour still reads dpage1
    bne a1, a3, fail
    sd s3, 0(s4)                           // page 4 -> dpage1
    sfence.vma s6, zero
    ld a0, 8(s6)
    ld a0, 0(s6)
    bne a0, a3, fail
    addi s5, s5, -1
    bnez s5, 1b

    TESTNUM(2)                             // unmapped, flushed by address: the load faults
    sd zero, 0(s4)
    sfence.vma s6, zero
    li s9, -1
    la s10, 2f
    ld a0, 0(s6)
2:  CHECK(s9, CAUSE_LOAD_PAGE_FAULT)
    ENTER_M
TEST_END

    .bss
    .align 12
root:       .skip 4096
l1:         .skip 4096
l0:         .skip 4096
dpage0:     .skip 4096
dpage1:     .skip 4096
