// zicsr-ro-write.S - Zicsr (unprivileged spec 9.1): "if rs1 specifies a register
// holding a zero value other than x0, the instruction will still attempt to write the
// unmodified value back to the CSR" - so CSRRS/CSRRC with rs1 != x0 on a read-only
// CSR raise illegal instruction even when the register is zero (likewise CSRRSI/
// CSRRCI only avoid the write when uimm = 0).
// QEMU 7.2 decides by the VALUE of rs1 (no trap for a zero register): qemu-skip.txt.
#include "macros.h"
TEST_BEGIN
    li a5, 0
    TEST_TRAP(1, CAUSE_ILLEGAL_INSTRUCTION, csrrs a0, mhartid, a5)
    TEST_TRAP(2, CAUSE_ILLEGAL_INSTRUCTION, csrrc a0, mvendorid, a5)
    TEST_TRAP(3, CAUSE_ILLEGAL_INSTRUCTION, csrrs a0, cycle, a5)
    TEST_TRAP(4, CAUSE_ILLEGAL_INSTRUCTION, csrrc a0, time, a5)
    TEST_TRAP(5, CAUSE_ILLEGAL_INSTRUCTION, csrrs a0, CSR_MCONFIGPTR, a5)
    // and with x0 / uimm = 0 there is no trap
    TEST_NO_TRAP(6, csrrs a0, mhartid, x0; csrrc a0, mhartid, x0; csrrsi a0, mhartid, 0; csrrci a0, mhartid, 0)
TEST_END
