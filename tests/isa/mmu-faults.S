// mmu-faults.S - page-fault and access-fault details under Sv39 (privileged spec
// 4.3.2 "Virtual Address Translation Process", 3.1.16/3.1.17, 4.1.9/4.1.11):
//   * page faults delegated with medeleg[12,13,15] are taken by S-mode with
//     scause 12/13/15, stval = faulting VA, sepc = faulting instruction;
//   * a 4-byte instruction straddling into an unmapped page: instruction page fault,
//     epc = start of the instruction, tval = the start of the unmapped page (the
//     portion of the instruction that faulted; QEMU 7.2 reports that address);
//   * a leaf PTE pointing at physical memory with nothing behind it: the access
//     raises an ACCESS fault (load 5 / store 7 / fetch 1) with tval = VA;
//   * a page-table walk denied by PMP raises an access fault of the original type.
#include "macros.h"
#define TVA(i)   (0x40000000 + 0x1000 * (i))
#define PF(n, cause, va, ...) TEST_TRAP(n, cause, __VA_ARGS__); CHECK(s8, va)
TEST_BEGIN
    la s0, dpage
    li t0, 0x5151515151515151
    sd t0, 0(s0)
    PTE_SET_RAW   root, 0, PTE_FOR(0x00000000, PTE_LEAF)
    PTE_SET_RAW   root, 2, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_LABEL root, 1, l1, PTE_V
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_LABEL l1, 1, l0_pmp, PTE_V      // table protected by PMP below
    PTE_SET_LABEL l0, 0, dpage, PTE_V | PTE_R | PTE_A              // read-only
    PTE_SET_LABEL l0, 2, edge, PTE_V | PTE_X | PTE_A                // code page; TVA(3) unmapped
    PTE_SET_RAW   l0, 4, PTE_FOR(UNMAPPED_ADDR, PTE_LEAF)          // leaf to nowhere
    PTE_SET_LABEL l0_pmp, 0, dpage, PTE_LEAF
    SATP_SET SATP_MODE_SV39, root

    // ---- page faults delegated to S
    li t0, (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT)
    csrw medeleg, t0
    ENTER_S
    TEST_CASE(1, a0, 0x5151515151515151, li t0, TVA(0); ld a0, 0(t0))
    li t0, TVA(0) + 24
    PF(2, CAUSE_STORE_PAGE_FAULT, TVA(0) + 24, sd a0, 0(t0))
    CHECK(s6, TRAP_S_FROM_S)
    li t0, TVA(1)
    PF(3, CAUSE_LOAD_PAGE_FAULT, TVA(1), lw a0, 0(t0))
    CHECK(s6, TRAP_S_FROM_S)
    li t0, TVA(1) + 0x10
    TEST_TRAP_ANY_EPC(4, CAUSE_FETCH_PAGE_FAULT, jalr t0)
    CHECK(s6, TRAP_S_FROM_S)
    CHECK(s7, TVA(1) + 0x10)
    CHECK(s8, TVA(1) + 0x10)
    TESTNUM(5)                             // scause/stval as S software sees them
    csrr a0, scause
    CHECK(a0, CAUSE_FETCH_PAGE_FAULT)
    csrr a0, stval
    CHECK(a0, TVA(1) + 0x10)
    // ---- instruction straddling a page boundary into an unmapped page
    TESTNUM(6)
    li t0, TVA(2) + 4090                   // c.li a0, 0 ; then a 4-byte addi at 4094
    li s9, -1
    la s10, 1f
    jalr t0
1:  CHECK(s9, CAUSE_FETCH_PAGE_FAULT)
    CHECK(s7, TVA(2) + 4094)               // epc = start of the instruction
    CHECK(s8, TVA(3))                      // tval = the faulting (second) page
    CHECK(s6, TRAP_S_FROM_S)
    ENTER_M
    csrw medeleg, zero

    // ---- leaf PTE to a physical address with nothing behind it: access faults
    ENTER_S
    li t0, TVA(4) + 8
    PF(7, CAUSE_LOAD_ACCESS, TVA(4) + 8, ld a0, 0(t0))
    CHECK(s6, TRAP_M_FROM_S)
    PF(8, CAUSE_STORE_ACCESS, TVA(4) + 8, sd a0, 0(t0))
    TEST_TRAP_ANY_EPC(9, CAUSE_FETCH_ACCESS, jalr t0)
    CHECK(s8, TVA(4) + 8)
    ENTER_M

    // ---- page-table walk denied by PMP (l0_pmp readable by nobody in S/U)
    la t0, l0_pmp
    srli t0, t0, 2
    ori t0, t0, (4096 >> 3) - 1
    csrw pmpaddr0, t0
    li t0, PMP_NAPOT                       // no permissions
    csrw pmpcfg0, t0
    sfence.vma
    ENTER_S
    li t0, 0x40200000
    PF(10, CAUSE_LOAD_ACCESS, 0x40200000, ld a0, 0(t0))
    PF(11, CAUSE_STORE_ACCESS, 0x40200000, sd a0, 0(t0))
    ENTER_M
    csrw pmpcfg0, zero
    sfence.vma
    ENTER_S
    TEST_CASE(12, a0, 0x5151515151515151, li t0, 0x40200000; ld a0, 0(t0))   // walk allowed again
    ENTER_M
    csrw satp, zero
    sfence.vma
TEST_END

    .text
    .align 12
edge:
    .skip 4090
    .option push
    .option norvc
    .2byte 0x4501                          // c.li a0, 0 (at offset 4090)
    .2byte 0x0001                          // c.nop      (at offset 4092)
    .2byte 0x0513                          // low half of addi a0, a0, 1 (0x00150513)
    .option pop
    .align 12

    .bss
    .align 12
root:   .skip 4096
l1:     .skip 4096
l0:     .skip 4096
l0_pmp: .skip 4096
dpage:  .skip 4096
