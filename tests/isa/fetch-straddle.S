// fetch-straddle.S - a 32-bit instruction whose halves lie in two virtual pages
// (privileged spec 10.3: each half is fetched through its own page's mapping):
//   * a function at the end of one page runs `addi a2, a2, 5` starting at the page's
//     last halfword, its upper half the first halfword of the next virtual page;
//   * remapping only that next page (to a physical page whose first halfword makes
//     the instruction `addi a2, a2, 7`) and sfence.vma of it alone (the function's
//     own page stays in the TLB): the new half is fetched; then back, with a full one.
// Under the JIT the function is hot after a few calls and runs as translated code,
// which uses the upper half it was translated with only while the next page is in
// the fetch TLB and still holds it (src/engine/jit/translate.ts emitStraddleGuard).
#include "macros.h"

// root[1] -> l1 -> l0: l0[8] = cpage_a, l0[9] = cpage_b or cpage_c. Pages 8 and 9 rather than
// 0 and 1: rvisor's fetch TLB is direct-mapped by page number, and this test's own code (pages
// 0x80000-0x80002, identity-mapped) would evict TVA + 0x1000's entry on every call.
#define TVA    0x40008000
#define CALLS  200

TEST_BEGIN
    PTE_SET_RAW  root, 0, PTE_FOR(0x00000000, PTE_LEAF)   // devices (the finisher)
    PTE_SET_RAW  root, 2, PTE_FOR(0x80000000, PTE_LEAF)   // RAM, identity: this code and the tables
    PTE_SET_LABEL root, 1, l1, PTE_V
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_LABEL l0, 8, cpage_a, PTE_V | PTE_X | PTE_A
    PTE_SET_LABEL l0, 9, cpage_b, PTE_V | PTE_X | PTE_A
    SATP_SET SATP_MODE_SV39, root
    ENTER_S

    TESTNUM(1)                     // the upper half in cpage_b: +5 per call
    li a2, 0
    li s2, CALLS
    li s3, TVA + 0xffc
1:  jalr s3
    addi s2, s2, -1
    bnez s2, 1b
    CHECK(a2, 5 * CALLS)

    TESTNUM(2)                     // TVA + 0x1000 now maps cpage_c: +7 per call
    PTE_SET_LABEL l0, 9, cpage_c, PTE_V | PTE_X | PTE_A
    li t0, TVA + 0x1000            // that page only: TVA's own translation stays cached
    sfence.vma t0
    li a2, 0
    li s2, CALLS
1:  jalr s3
    addi s2, s2, -1
    bnez s2, 1b
    CHECK(a2, 7 * CALLS)

    TESTNUM(3)                     // and back, with a full sfence.vma
    PTE_SET_LABEL l0, 9, cpage_b, PTE_V | PTE_X | PTE_A
    sfence.vma
    li a2, 0
    li s2, CALLS
1:  jalr s3
    addi s2, s2, -1
    bnez s2, 1b
    CHECK(a2, 5 * CALLS)
    ENTER_M
TEST_END

    .text
    .align 12
cpage_a:                           // TVA: the function starts at TVA + 0xffc
    .skip 0xffc
    c.nop
    .half 0x0613                   // addi a2, a2, imm: opcode, rd, funct3, rs1 bit 0
cpage_b:                           // physically right after cpage_a
    .half 0x0056                   // rs1 bits 4:1, imm = 5
    c.jr ra
    .align 12
cpage_c:
    .half 0x0076                   // imm = 7
    c.jr ra
    .align 12

    .bss
    .align 12
root:       .skip 4096
l1:         .skip 4096
l0:         .skip 4096
