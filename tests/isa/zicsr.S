// zicsr.S - Zicsr (unprivileged spec ch. 9) and CSR access rules (privileged spec 2.1,
// 2.6): read/modify/write semantics of all six CSR instructions; csrrs/csrrc with
// rs1 = x0 (and the immediate forms with uimm = 0) do NOT write, so they do not trap
// on read-only CSRs, while csrrw always writes; writes to read-only CSRs, accesses to
// unimplemented CSRs and to CSRs of a higher privilege level raise illegal
// instruction with mtval = the instruction bits; machine information registers;
// sstatus/sie/sip as restricted views of mstatus/mie/mip.
#include "macros.h"
TEST_BEGIN
    // ---- basic RMW semantics on mscratch (save the handler's pointer first)
    csrr s0, mscratch
    TEST_CASE( 1, a0, 0x1234, li a1, 0x1234; csrw mscratch, a1; csrr a0, mscratch)
    TEST_CASE( 2, a0, 0x1234, li a1, 0xff00; csrrw a0, mscratch, a1)
    TEST_CASE( 3, a0, 0xff00, li a1, 0x00ff; csrrs a0, mscratch, a1)
    TEST_CASE( 4, a0, 0xffff, li a1, 0x0f0f; csrrc a0, mscratch, a1)
    TEST_CASE( 5, a0, 0xf0f0, csrr a0, mscratch)
    TEST_CASE( 6, a0, 0xf0f0, csrrwi a0, mscratch, 0x1f)
    TEST_CASE( 7, a0, 0x001f, csrrsi a0, mscratch, 0x10)
    TEST_CASE( 8, a0, 0x001f, csrrci a0, mscratch, 0x3)
    TEST_CASE( 9, a0, 0x001c, csrr a0, mscratch)
    TEST_CASE(10, a0, 0xffffffffffffffff, li a1, -1; csrw mscratch, a1; csrr a0, mscratch)  // full XLEN
    // rd = rs1: the old value is returned and the source is the old rs1
    TEST_CASE(11, a0, 0xffffffffffffffff, li a0, 5; csrrw a0, mscratch, a0)
    TEST_CASE(12, a0, 5, csrr a0, mscratch)
    csrw mscratch, s0

    // ---- read-only CSRs: reads (including csrrs/csrrc with x0, csrrsi/csrrci 0) do not trap
    TEST_CASE(13, a0, 0, li a0, 1; csrrs a0, mhartid, x0)
    TEST_NO_TRAP(14, csrrc a0, mvendorid, x0; csrrsi a0, marchid, 0; csrrci a0, mimpid, 0; csrr a0, cycle)
    // ... but any write does, even of the same value / from x0 with csrrw
    TEST_TRAP_TVAL(15, CAUSE_ILLEGAL_INSTRUCTION, 0xf1401073, .word 0xf1401073)   // csrw mhartid, zero
    TEST_TRAP_TVAL(16, CAUSE_ILLEGAL_INSTRUCTION, 0xf11f9573, .word 0xf11f9573)   // csrrw a0, mvendorid, t6
    TEST_TRAP_TVAL(17, CAUSE_ILLEGAL_INSTRUCTION, 0xf120e573, .word 0xf120e573)   // csrrsi a0, marchid, 1
    TEST_TRAP_TVAL(18, CAUSE_ILLEGAL_INSTRUCTION, 0xf130f573, .word 0xf130f573)   // csrrci a0, mimpid, 1
    TEST_TRAP_TVAL(19, CAUSE_ILLEGAL_INSTRUCTION, 0xc0001073, .word 0xc0001073)   // csrw cycle, zero (user counter)
    li a5, 1
    TEST_TRAP_TVAL(20, CAUSE_ILLEGAL_INSTRUCTION, 0xc027a573, .word 0xc027a573)   // csrrs a0, instret, a5
    TEST_TRAP_TVAL(21, CAUSE_ILLEGAL_INSTRUCTION, 0xc0105073, .word 0xc0105073)   // csrwi time, 0
    TEST_TRAP_TVAL(22, CAUSE_ILLEGAL_INSTRUCTION, 0xf1501073, .word 0xf1501073)   // csrw mconfigptr, zero
    // (csrrs/csrrc with a non-x0 register holding 0: see zicsr-ro-write.S)
    TEST_TRAP(23, CAUSE_ILLEGAL_INSTRUCTION, csrrwi a0, mhartid, 0)

    // ---- unimplemented CSR numbers are illegal (CSR 0x0ff, 0x7ff are not allocated)
    TEST_TRAP_TVAL(24, CAUSE_ILLEGAL_INSTRUCTION, 0x0ff02573, .word 0x0ff02573)   // csrr a0, 0x0ff
    TEST_TRAP_TVAL(25, CAUSE_ILLEGAL_INSTRUCTION, 0x7ff02573, .word 0x7ff02573)   // csrr a0, 0x7ff

    // ---- machine information registers
    TEST_CASE(26, a0, 0, csrr a0, mhartid)
    TEST_CASE(27, a0, 0, csrr a0, mvendorid)          // non-commercial implementation
    TEST_CASE(28, a0, 0, csrr a0, CSR_MCONFIGPTR)
    // misa: MXL = 2 (64-bit) and the extensions I M A F D C S U present
    TESTNUM(29)
    csrr a0, misa
    srli a1, a0, 62
    CHECK(a1, 2)
    li a1, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a2, a0, a1
    CHECK_REG(a2, a1)
    // E (bit 4), Q (16), N (13) not present
    li a1, (1 << 4) | (1 << 16) | (1 << 13)
    and a2, a0, a1
    CHECK(a2, 0)
    // mstatus: UXL = SXL = 2 (64-bit U and S), UBE/SBE/MBE = 0 (little-endian)
    TESTNUM(30)
    csrr a0, mstatus
    srli a1, a0, 32
    andi a1, a1, 0xf
    CHECK(a1, 0xa)
    srli a1, a0, 36
    andi a1, a1, 3
    CHECK(a1, 0)
    andi a1, a0, MSTATUS_UBE
    CHECK(a1, 0)

    // ---- mtvec: MODE 0 (direct) and 1 (vectored) are kept
    csrr s0, mtvec
    la s1, aligned_vec
    TEST_CASE(31, a0, 0, csrw mtvec, s1; csrr a0, mtvec; sub a0, a0, s1)
    TEST_CASE(32, a0, 1, ori a1, s1, 1; csrw mtvec, a1; csrr a0, mtvec; sub a0, a0, s1)
    // reserved MODE >= 2: QEMU ignores the whole write (mtvec keeps its value)
    TEST_CASE(33, a0, 1, ori a1, s1, 2; addi a1, a1, 0x100; csrw mtvec, a1; csrr a0, mtvec; sub a0, a0, s1)
    csrw mtvec, s0
    // stvec likewise
    csrr s0, stvec
    TEST_CASE(34, a0, 1, ori a1, s1, 1; csrw stvec, a1; csrr a0, stvec; sub a0, a0, s1)
    TEST_CASE(35, a0, 1, ori a1, s1, 3; csrw stvec, a1; csrr a0, stvec; sub a0, a0, s1)
    csrw stvec, s0
    // mcause, mtval are WARL/WLRL fully writable here; mepc bit 0 ignored on mret only
    TEST_CASE(36, a0, 0x8000000000000005, li a1, 0x8000000000000005; csrw mcause, a1; csrr a0, mcause)
    TEST_CASE(37, a0, 0x123456789abcdef0, li a1, 0x123456789abcdef0; csrw mtval, a1; csrr a0, mtval)
    TEST_CASE(38, a0, 0x80001000, li a1, 0x80001000; csrw mepc, a1; csrr a0, mepc)

    // ---- sstatus is a view of mstatus restricted to the S-level fields
    csrr s0, mstatus
    TESTNUM(39)
    MSTATUS_SET MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP_M
    csrr a0, sstatus                   // M fields invisible
    li a1, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV
    and a0, a0, a1
    CHECK(a0, 0)
    csrc mstatus, a1
    TESTNUM(40)
    li a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
    csrs sstatus, a0                   // S fields are writable through sstatus...
    csrr a1, mstatus
    and a1, a1, a0
    CHECK_REG(a1, a0)
    csrr a1, sstatus
    and a1, a1, a0
    CHECK_REG(a1, a0)
    csrc mstatus, a0                   // ...and clearing them in mstatus shows in sstatus
    csrr a1, sstatus
    and a1, a1, a0
    CHECK(a1, 0)
    TESTNUM(41)
    li a0, -1
    csrw sstatus, a0                   // writing all ones cannot touch M-only fields
    csrr a1, mstatus
    li a2, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    and a1, a1, a2
    CHECK(a1, 0)
    csrw mstatus, s0
    TESTNUM(42)                        // sstatus.UXL visible (2)
    csrr a0, sstatus
    srli a0, a0, 32
    andi a0, a0, 3
    CHECK(a0, 2)

    // ---- sie / sip: only bits of delegated interrupts are visible / writable
    TESTNUM(43)
    csrw mideleg, zero
    csrw mie, zero
    li a0, -1
    csrw sie, a0
    csrr a1, sie
    CHECK(a1, 0)
    csrr a1, mie
    CHECK(a1, 0)
    TESTNUM(44)
    li a0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, a0
    li a1, -1
    csrw sie, a1
    csrr a1, sie
    li a2, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP | MIP_MEIP
    and a1, a1, a2
    CHECK(a1, MIP_SSIP | MIP_STIP | MIP_SEIP)
    csrr a1, mie
    and a1, a1, a2
    CHECK(a1, MIP_SSIP | MIP_STIP | MIP_SEIP)
    TESTNUM(45)                        // sip.SSIP writable when delegated, aliases mip.SSIP
    csrw mie, zero
    csrsi sip, MIP_SSIP
    csrr a1, mip
    andi a1, a1, MIP_SSIP
    CHECK(a1, MIP_SSIP)
    csrci sip, MIP_SSIP
    csrr a1, mip
    andi a1, a1, MIP_SSIP
    CHECK(a1, 0)
    csrw mideleg, zero
    TESTNUM(46)                        // not delegated: sip.SSIP reads 0 although mip.SSIP = 1
    csrsi mip, MIP_SSIP
    csrr a1, sip
    andi a1, a1, MIP_SSIP
    CHECK(a1, 0)
    csrci mip, MIP_SSIP

    // ---- privilege of CSR numbers: bits 9:8 give the lowest privilege allowed
    ENTER_S
    TEST_CASE(47, a0, 0x55, li a1, 0x55; csrw sscratch, a1; csrr a0, sscratch)
    TEST_TRAP_TVAL(48, CAUSE_ILLEGAL_INSTRUCTION, 0x34002573, .word 0x34002573)   // csrr a0, mscratch from S
    CHECK(s6, TRAP_M_FROM_S)
    TEST_TRAP_TVAL(49, CAUSE_ILLEGAL_INSTRUCTION, 0x30002573, .word 0x30002573)   // csrr a0, mstatus from S
    TEST_TRAP_TVAL(50, CAUSE_ILLEGAL_INSTRUCTION, 0xf1402573, .word 0xf1402573)   // csrr a0, mhartid from S
    TEST_CASE(51, a0, 0x55, csrr a0, sscratch)
    ENTER_M
    la t0, s_save_area
    csrw sscratch, t0
    ENTER_U
    TEST_TRAP_TVAL(52, CAUSE_ILLEGAL_INSTRUCTION, 0x14002573, .word 0x14002573)   // csrr a0, sscratch from U
    CHECK(s6, TRAP_M_FROM_U)
    TEST_TRAP_TVAL(53, CAUSE_ILLEGAL_INSTRUCTION, 0x10002573, .word 0x10002573)   // csrr a0, sstatus from U
    TEST_TRAP_TVAL(54, CAUSE_ILLEGAL_INSTRUCTION, 0x34102573, .word 0x34102573)   // csrr a0, mepc from U
    TEST_TRAP_TVAL(55, CAUSE_ILLEGAL_INSTRUCTION, 0x18002573, .word 0x18002573)   // csrr a0, satp from U
    // U-mode may use the FP CSRs (FS != Off)
    TEST_CASE(56, a0, 3, csrwi fflags, 3; csrr a0, fflags)
    ENTER_M
    TEST_CASE(57, a0, 3, csrr a0, fflags)
TEST_END

    .align 8
aligned_vec:
    j fail
