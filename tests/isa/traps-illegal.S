// traps-illegal.S - illegal instruction exceptions (cause 2) for reserved and
// unimplemented encodings (unprivileged spec ch. 2, 34 opcode map; privileged spec
// 3.1.16/3.1.17: on an illegal instruction mtval = the faulting instruction bits,
// 32-bit or 16-bit; QEMU 7.2 always writes them, as the tests require).
#include "macros.h"
#define ILL(n, bits) TEST_TRAP_TVAL(n, CAUSE_ILLEGAL_INSTRUCTION, bits, .word bits)
TEST_BEGIN
    // all-zero parcel (the canonical illegal instruction): 16-bit, mtval = 0
    TEST_TRAP_TVAL(1, CAUSE_ILLEGAL_INSTRUCTION, 0, .word 0)
    ILL( 2, 0x0000000b)        // custom-0 opcode (nothing implemented there)
    ILL( 3, 0x0000002b)        // custom-1
    ILL( 4, 0x0200101b)        // SLLIW with shamt[5] = 1 (reserved on RV64)
    ILL( 5, 0x0200501b)        // SRLIW with shamt[5] = 1
    ILL( 6, 0x04000033)        // OP with funct7 = 0000010 (unassigned)
    ILL( 7, 0x00007003)        // LOAD with funct3 = 111 (unassigned)
    ILL( 8, 0x00004023)        // STORE with funct3 = 100 (unassigned)
    ILL( 9, 0x00002063)        // BRANCH with funct3 = 010 (unassigned)
    ILL(10, 0x00001067)        // JALR with funct3 = 001 (reserved)
    ILL(11, 0x06c5f553)        // FADD.Q (no Q extension)
    ILL(12, 0x00004007)        // LOAD-FP width 100 = FLQ (no Q extension)
    ILL(13, 0x0000603b)        // OP-32 funct3 = 110, funct7 = 0 (unassigned)
    ILL(14, 0xf800202f)        // AMO .W with funct5 = 11111 (unassigned)
    ILL(15, 0x0000502f)        // AMO with funct3 = 101 (unassigned width)
    ILL(16, 0x2000007b)        // custom-3 opcode
    ILL(17, 0x30500073)        // SYSTEM funct3 = 0 with an unassigned funct12 (0x305)
    ILL(18, 0x0000400f)        // MISC-MEM funct3 = 100 (unassigned)
    // the same from S-mode and U-mode, where mtval is filled in just the same
    ENTER_S
    ILL(19, 0x0000000b)
    CHECK(s6, TRAP_M_FROM_S)
    TEST_TRAP_TVAL(20, CAUSE_ILLEGAL_INSTRUCTION, 0x0000, .2byte 0; .2byte 0)
    ENTER_M
    ENTER_U
    ILL(21, 0x0200101b)
    CHECK(s6, TRAP_M_FROM_U)
    // privileged instructions in U-mode
    ILL(22, 0x12000073)        // sfence.vma zero, zero
    ILL(23, 0x10200073)        // sret
    ILL(24, 0x30200073)        // mret
    // CSR instructions on M / S CSRs from U
    ILL(25, 0x30001073)        // csrw mstatus, zero
    ILL(26, 0x18059073)        // csrw satp, a1
    TEST_TRAP_TVAL(27, CAUSE_ILLEGAL_INSTRUCTION, 0x8002, .2byte 0x8002)   // C.JR x0 (reserved)
    ENTER_M
TEST_END
