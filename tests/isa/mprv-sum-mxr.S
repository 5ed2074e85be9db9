// mprv-sum-mxr.S - U-bit checks and the mstatus memory-privilege bits (privileged
// spec 3.1.6.3 MPRV/MXR/SUM, 4.3.1 / 4.3.2 step 5-6), with Sv39:
//   * U-mode may only access pages with U = 1; S-mode may access U pages only when
//     SUM = 1 and may never execute them;
//   * MXR = 1 makes loads from execute-only pages succeed;
//   * MPRV = 1 makes M-mode loads/stores use the translation and privilege of MPP
//     (but not instruction fetches); MPRV with MPP = M changes nothing.
// Layout: VA 0x80000000.. = identity RAM gigapage (S: U = 0, RWX)
//         VA 0xc0000000.. = RAM gigapage alias with U = 1 (U-mode code runs here)
//         VA 0x40000000 + i*4K: [0] U RW data, [1] U X-only, [2] S X-only, [3] S RW
#include "macros.h"
#define ALIAS    0x40000000                // alias VA - identity VA
#define UPAGE_RW 0x40000000
#define UPAGE_X  0x40001000
#define SPAGE_X  0x40002000
#define SPAGE_RW 0x40003000

// switch to U-mode at the U-accessible alias of the next instruction
.macro ENTER_U_ALIAS
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    la t0, .Lua\@
    li t1, ALIAS
    add t0, t0, t1
    csrw mepc, t0
    mret
.Lua\@:
.endm
#define PF(n, cause, va, ...) TEST_TRAP(n, cause, __VA_ARGS__); CHECK(s8, va)

TEST_BEGIN
    la s0, upage
    li t0, 0x0101010101010101
    sd t0, 0(s0)
    la s1, spage
    li t0, 0x0202020202020202
    sd t0, 0(s1)
    PTE_SET_RAW   root, 0, PTE_FOR(0x00000000, PTE_LEAF | PTE_U)   // devices (U for finisher)
    PTE_SET_RAW   root, 2, PTE_FOR(0x80000000, PTE_LEAF)
    PTE_SET_RAW   root, 3, PTE_FOR(0x80000000, PTE_LEAF | PTE_U)
    PTE_SET_LABEL root, 1, l1, PTE_V
    PTE_SET_LABEL l1, 0, l0, PTE_V
    PTE_SET_LABEL l0, 0, upage, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_U
    PTE_SET_LABEL l0, 1, xpage, PTE_V | PTE_X | PTE_A | PTE_U
    PTE_SET_LABEL l0, 2, xpage, PTE_V | PTE_X | PTE_A
    PTE_SET_LABEL l0, 3, spage, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    SATP_SET SATP_MODE_SV39, root

    // ---- S-mode and the U bit (SUM)
    MSTATUS_CLR MSTATUS_SUM | MSTATUS_MXR
    ENTER_S
    li t0, UPAGE_RW
    PF(1, CAUSE_LOAD_PAGE_FAULT, UPAGE_RW, ld a0, 0(t0))
    PF(2, CAUSE_STORE_PAGE_FAULT, UPAGE_RW, sd a0, 0(t0))
    TEST_CASE(3, a0, 0x0202020202020202, li t0, SPAGE_RW; ld a0, 0(t0))
    csrsi sstatus, 0                       // (no-op)
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    TEST_CASE(4, a0, 0x0101010101010101, li t0, UPAGE_RW; ld a0, 0(t0))
    TEST_NO_TRAP(5, li t0, UPAGE_RW; sd a0, 8(t0))
    li t0, UPAGE_X                         // S never executes U pages, even with SUM
    TEST_TRAP_ANY_EPC(6, CAUSE_FETCH_PAGE_FAULT, jalr t0)
    CHECK(s8, UPAGE_X)
    TEST_CASE(7, a0, 77, li a0, 0; li t0, SPAGE_X; jalr t0)       // S X page: fine
    // ---- MXR
    li t0, SPAGE_X
    PF(8, CAUSE_LOAD_PAGE_FAULT, SPAGE_X, ld a0, 0(t0))
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    TEST_NO_TRAP(9, li t0, SPAGE_X; ld a0, 0(t0))
    TEST_NO_TRAP(10, li t0, UPAGE_X; ld a0, 0(t0))                // MXR + SUM on a U X page
    li t0, SPAGE_X                         // MXR does not make X pages writable
    PF(11, CAUSE_STORE_PAGE_FAULT, SPAGE_X, sd a0, 0(t0))
    li t0, MSTATUS_MXR | MSTATUS_SUM
    csrc sstatus, t0
    ENTER_M

    // ---- U-mode (running at the U alias)
    ENTER_U_ALIAS
    TEST_CASE(12, a0, 0x0101010101010101, li t0, UPAGE_RW; ld a0, 0(t0))
    li t0, SPAGE_RW
    PF(13, CAUSE_LOAD_PAGE_FAULT, SPAGE_RW, ld a0, 0(t0))
    CHECK(s6, TRAP_M_FROM_U)
    PF(14, CAUSE_STORE_PAGE_FAULT, SPAGE_RW, sd a0, 0(t0))
    TEST_CASE(15, a0, 77, li a0, 0; li t0, UPAGE_X; jalr t0)      // U X page
    li t0, SPAGE_X
    TEST_TRAP_ANY_EPC(16, CAUSE_FETCH_PAGE_FAULT, jalr t0)
    CHECK(s8, SPAGE_X)
    li t0, UPAGE_X
    PF(17, CAUSE_LOAD_PAGE_FAULT, UPAGE_X, ld a0, 0(t0))          // X-only, MXR = 0
    mv t1, s1                              // identity address: S page for U
    TEST_TRAP(18, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(t1))
    CHECK_REG(s8, s1)
    ENTER_M_AT 1f, ALIAS
1:
    // ---- MPRV: M-mode loads/stores translated with MPP's privilege
    TESTNUM(19)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | MSTATUS_MPP_S
    csrs mstatus, t0
    li t0, SPAGE_RW                        // VA only valid through translation
    ld a0, 0(t0)
    MSTATUS_CLR MSTATUS_MPRV
    CHECK(a0, 0x0202020202020202)
    TESTNUM(20)                            // MPP = S, SUM = 0: U page faults
    MSTATUS_SET MSTATUS_MPRV
    li t0, UPAGE_RW
    li s9, -1
    la s10, 2f
    ld a0, 0(t0)
2:  MSTATUS_CLR MSTATUS_MPRV
    CHECK(s9, CAUSE_LOAD_PAGE_FAULT)
    CHECK(s8, UPAGE_RW)
    CHECK(s6, TRAP_M_FROM_M)
    TESTNUM(21)                            // MPP = U: U page ok, S page faults (store)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    MSTATUS_SET MSTATUS_MPRV               // MPP = U (0)
    li t0, UPAGE_RW
    ld a0, 0(t0)
    li t0, SPAGE_RW
    li s9, -1
    la s10, 3f
    sd a0, 0(t0)
3:  MSTATUS_CLR MSTATUS_MPRV
    CHECK(a0, 0x0101010101010101)
    CHECK(s9, CAUSE_STORE_PAGE_FAULT)
    CHECK(s8, SPAGE_RW)
    TESTNUM(22)                            // MPRV + MXR (MPP = S)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | MSTATUS_MPP_S | MSTATUS_MXR
    csrs mstatus, t0
    li t0, SPAGE_X
    ld a0, 0(t0)
    MSTATUS_CLR MSTATUS_MPRV | MSTATUS_MXR
    la t1, xpage
    ld a1, 0(t1)
    CHECK_REG(a0, a1)
    TESTNUM(23)                            // MPRV with MPP = M: no translation
    MSTATUS_SET MSTATUS_MPRV | MSTATUS_MPP_M
    ld a0, 0(s1)
    MSTATUS_CLR MSTATUS_MPRV
    CHECK(a0, 0x0202020202020202)
    TESTNUM(24)                            // MPRV does not affect instruction fetch
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    MSTATUS_SET MSTATUS_MPRV | MSTATUS_MPP_U
    la t0, 4f                              // identity address: not U-executable
    jr t0
4:  MSTATUS_CLR MSTATUS_MPRV
    csrw satp, zero
    sfence.vma
TEST_END

    .text
    .align 12
xpage:
    li a0, 77
    ret
    .align 12

    .bss
    .align 12
root:  .skip 4096
l1:    .skip 4096
l0:    .skip 4096
upage: .skip 4096
spage: .skip 4096
