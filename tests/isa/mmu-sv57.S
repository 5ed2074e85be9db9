// mmu-sv57.S - Sv57 address translation (privileged spec 4.6): 5-level walk with
// 4 KiB pages, 2 MiB megapages, 1 GiB gigapages, 512 GiB terapages and 256 TiB
// petapages; misaligned superpages at every level fault; VA bits 63:57 must equal
// bit 56.
// S-mode tests; traps go to M.
#include "macros.h"
// root (level 4): [0] -> l3, [1] = petapage at PA 0, [2] = misaligned petapage
// l3 (level 3):   [0] -> l2 (identity gigapages + test tables), [1] = terapage at PA 0,
//                 [2] = misaligned terapage
// l2 (level 2):   [0] identity devices, [2] identity RAM, [1] -> l1
// l1 (level 1):   [0] -> l0, [1] megapage -> 0x80200000, [2] misaligned megapage
// l0 (level 0):   [0] -> dpage
#define PETA_VA   0x0001000000000000
#define BADP_VA   0x0002000000000000
#define TERA_VA   0x0000008000000000
#define BADT_VA   0x0000010000000000
#define PAGE_VA   0x0000000040000000
#define MEGA_VA   0x0000000040200000
#define BADM_VA   0x0000000040400000
#define GIGA_VA   0x00000000c0000000       // l2[3]: gigapage -> PA 0x80000000
#define BADG_VA   0x0000000100000000       // l2[4]: misaligned gigapage
#define MEGA_PA   0x80200000
#define PF(n, cause, va, ...) TEST_TRAP(n, cause, __VA_ARGS__); CHECK(s8, va)

TEST_BEGIN
    la s0, dpage
    li t0, 0x4848484848484848
    sd t0, 0(s0)
    li t1, MEGA_PA + 0x2000
    li t0, 0x0202020202020202
    sd t0, 0(t1)

    PTE_SET_LABEL root, 0, l3, PTE_V
    PTE_SET_RAW   root, 1, PTE_FOR(0, PTE_LEAF)                         // 256 TiB at PA 0
    PTE_SET_RAW   root, 2, PTE_FOR(0x8000000000, PTE_LEAF)              // PPN[3:0] != 0
    PTE_SET_LABEL l3, 0, l2, PTE_V
    PTE_SET_RAW   l3, 1, PTE_FOR(0, PTE_LEAF)                           // 512 GiB at PA 0
    PTE_SET_RAW   l3, 2, PTE_FOR(0x40000000, PTE_LEAF)                  // PPN[2:0] != 0
    PTE_SET_RAW   l2, 0, PTE_FOR(0x00000000, PTE_LEAF)
    PTE_SET_RAW   l2, 2, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_LABEL l2, 1, l1, PTE_V
    PTE_SET_RAW   l2, 3, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_RAW   l2, 4, PTE_FOR(0x80200000, PTE_LEAF)                  // PPN[1:0] != 0
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_RAW   l1, 1, PTE_FOR(MEGA_PA, PTE_LEAF)
    PTE_SET_RAW   l1, 2, PTE_FOR(MEGA_PA + 0x1000, PTE_LEAF)            // PPN[0] != 0
    PTE_SET_LABEL l0, 0, dpage, PTE_LEAF

    TESTNUM(1)                             // satp accepts Sv57
    la t0, root
    srli t0, t0, 12
    li t1, SATP_MODE_SV57
    or t0, t0, t1
    csrw satp, t0
    csrr a0, satp
    CHECK_REG(a0, t0)
    sfence.vma
    ENTER_S
    TEST_CASE(2, a0, 0x4848484848484848, li t0, PAGE_VA; ld a0, 0(t0))
    TEST_CASE(3, a0, 0x0202020202020202, li t0, MEGA_VA + 0x2000; ld a0, 0(t0))
    TESTNUM(4)                             // gigapage alias of RAM
    li t0, GIGA_VA - RAM_BASE
    add t0, t0, s0
    ld a0, 0(t0)
    CHECK(a0, 0x4848484848484848)
    TESTNUM(5)                             // terapage: VA = TERA_VA + PA
    li t0, TERA_VA
    add t0, t0, s0
    ld a0, 0(t0)
    CHECK(a0, 0x4848484848484848)
    li t1, 0x99
    sd t1, 8(t0)
    ld a0, 8(s0)
    CHECK(a0, 0x99)
    TESTNUM(6)                             // execute through the terapage
    la t0, xfunc
    li t1, TERA_VA
    add t0, t0, t1
    li a0, 0
    jalr t0
    CHECK(a0, 48)
    // misaligned superpages at each level
    li t0, BADM_VA
    PF(7, CAUSE_LOAD_PAGE_FAULT, BADM_VA, ld a0, 0(t0))
    li t0, BADG_VA + 0x10
    PF(8, CAUSE_STORE_PAGE_FAULT, BADG_VA + 0x10, sd a0, 0(t0))
    li t0, BADT_VA + 0x80000000
    PF(9, CAUSE_LOAD_PAGE_FAULT, BADT_VA + 0x80000000, lw a0, 0(t0))
    // non-canonical: bit 56 = 0 but bit 57 = 1; bit 56 = 1 with upper bits 0
    li t0, 0x0200000000000000
    PF(10, CAUSE_LOAD_PAGE_FAULT, 0x0200000000000000, ld a0, 0(t0))
    li t0, 0x0100000000000000
    PF(11, CAUSE_LOAD_PAGE_FAULT, 0x0100000000000000, ld a0, 0(t0))
    // ---- petapage: VA = PETA_VA + PA (an address non-canonical in Sv48)
    TEST_CASE(12, a0, 0x4848484848484848, li t0, PETA_VA; add t0, t0, s0; ld a0, 0(t0))
    TESTNUM(13)
    la t0, xfunc
    li t1, PETA_VA
    add t0, t0, t1
    li a0, 0
    jalr t0
    CHECK(a0, 48)
    li t0, BADP_VA + 0x80000000
    PF(14, CAUSE_LOAD_PAGE_FAULT, BADP_VA + 0x80000000, ld a0, 0(t0))
    // empty root entry
    li t0, 0x0003000000000000
    PF(15, CAUSE_STORE_PAGE_FAULT, 0x0003000000000000, sd a0, 0(t0))
    // empty level-3 entry
    li t0, 0x0000018000000000
    PF(16, CAUSE_STORE_PAGE_FAULT, 0x0000018000000000, sd a0, 0(t0))
    ENTER_M
    csrw satp, zero
TEST_END

    .text
    .align 2
xfunc:
    li a0, 48
    ret

    .bss
    .align 12
root:  .skip 4096
l3:    .skip 4096
l2:    .skip 4096
l1:    .skip 4096
l0:    .skip 4096
dpage: .skip 4096
