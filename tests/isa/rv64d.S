// rv64d.S - D extension basics (unprivileged spec ch. 12 "D"): FLD/FSD, FMV.X.D/FMV.D.X,
// conversions between single and double (NaN-boxing of FCVT.S.D results, canonical
// NaN), a few exact arithmetic results and their fflags, compares, min/max,
// FCLASS.D, integer conversions with saturation. Deeper FP tests live elsewhere.
#include "macros.h"

#define ONE_D   0x3ff0000000000000
#define TWO_D   0x4000000000000000
#define THREE_D 0x4008000000000000
#define MONE_D  0xbff0000000000000
#define INF_D   0x7ff0000000000000
#define NINF_D  0xfff0000000000000
#define QNAN_D  0x7ff8000000000000
#define SNAN_D  0x7ff0000000000001

#define FOP_D(n, res, flags, op, a, b) \
    TESTNUM(n); csrw fflags, zero; FLI_D(fa1, a, t0); FLI_D(fa2, b, t0); op fa0, fa1, fa2; \
    fmv.x.d a0, fa0; CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)
#define FCMP_D(n, res, flags, op, a, b) \
    TESTNUM(n); csrw fflags, zero; FLI_D(fa1, a, t0); FLI_D(fa2, b, t0); op a0, fa1, fa2; \
    CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)
#define FCVT_D_I(n, res, flags, a, ...) \
    TESTNUM(n); csrw fflags, zero; FLI_D(fa1, a, t0); __VA_ARGS__; CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)
#define FCLASS_D(n, res, a) TESTNUM(n); FLI_D(fa1, a, t0); fclass.d a0, fa1; CHECK(a0, res)

TEST_BEGIN
    la s0, dbuf
    TESTNUM(1)
    li a0, 0x0123456789abcdef
    sd a0, 0(s0)
    fld fa0, 0(s0)
    fsd fa0, 8(s0)
    ld a1, 8(s0)
    CHECK_REG(a0, a1)
    fmv.x.d a1, fa0
    CHECK_REG(a0, a1)
    TEST_CASE( 2, a1, 0xfedcba9876543210, li a0, 0xfedcba9876543210; fmv.d.x fa3, a0; fsd fa3, 16(s0); ld a1, 16(s0))
    // misaligned FP load/store also works (no trap)
    TEST_CASE( 3, a1, 0x0123456789abcdef, fld fa4, 0(s0); fsd fa4, 33(s0); fld fa5, 33(s0); fmv.x.d a1, fa5)

    FOP_D( 4, THREE_D, 0, fadd.d, ONE_D, TWO_D)
    FOP_D( 5, MONE_D,  0, fsub.d, ONE_D, TWO_D)
    FOP_D( 6, 0x4018000000000000, 0, fmul.d, TWO_D, THREE_D)
    FOP_D( 7, 0x3fd5555555555555, 0x01, fdiv.d, ONE_D, THREE_D)
    FOP_D( 8, INF_D,   0x08, fdiv.d, MONE_D ^ 0x8000000000000000, 0)
    FOP_D( 9, QNAN_D,  0x10, fmul.d, INF_D, 0)
    FOP_D(10, QNAN_D,  0x10, fadd.d, SNAN_D, ONE_D)
    FOP_D(11, QNAN_D,  0x00, fadd.d, 0x7ff8000000001234, ONE_D)   // NaN payload not propagated
    FOP_D(12, INF_D,   0x05, fmul.d, 0x7fefffffffffffff, TWO_D)
    FOP_D(13, 0x0000000000000000, 0x03, fmul.d, 0x0000000000000001, 0x3fe0000000000000) // underflow to 0: UF|NX
    TESTNUM(14)
    csrw fflags, zero
    FLI_D(fa1, TWO_D, t0)
    fsqrt.d fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, 0x3ff6a09e667f3bcd)
    csrr a1, fflags
    CHECK(a1, 0x01)
    TESTNUM(15)
    FLI_D(fa1, TWO_D, t0)
    FLI_D(fa2, THREE_D, t0)
    FLI_D(fa3, ONE_D, t0)
    fmsub.d fa0, fa1, fa2, fa3            // 2*3 - 1 = 5
    fmv.x.d a0, fa0
    CHECK(a0, 0x4014000000000000)
    fnmadd.d fa0, fa1, fa2, fa3           // -(2*3) - 1 = -7
    fmv.x.d a0, fa0
    CHECK(a0, 0xc01c000000000000)

    FOP_D(16, 0x8000000000000000, 0, fmin.d, 0, 0x8000000000000000)
    FOP_D(17, 0x0000000000000000, 0, fmax.d, 0x8000000000000000, 0)
    FOP_D(18, TWO_D, 0,    fmax.d, QNAN_D, TWO_D)
    FOP_D(19, TWO_D, 0x10, fmin.d, TWO_D, SNAN_D)
    FOP_D(20, QNAN_D, 0,   fmax.d, QNAN_D, QNAN_D)
    FOP_D(21, MONE_D, 0,   fsgnjn.d, ONE_D, ONE_D)
    FOP_D(22, ONE_D, 0,    fsgnjx.d, MONE_D, MONE_D)
    FCMP_D(23, 1, 0,    feq.d, 0, 0x8000000000000000)
    FCMP_D(24, 0, 0x10, flt.d, QNAN_D, ONE_D)
    FCMP_D(25, 0, 0,    feq.d, QNAN_D, ONE_D)
    FCMP_D(26, 1, 0,    fle.d, MONE_D, MONE_D)
    FCMP_D(27, 1, 0,    flt.d, NINF_D, MONE_D)

    // ---- FCLASS.D: one bit per class
    FCLASS_D(28, 1 << 0, NINF_D)
    FCLASS_D(29, 1 << 1, MONE_D)
    FCLASS_D(30, 1 << 2, 0x800fffffffffffff)
    FCLASS_D(31, 1 << 3, 0x8000000000000000)
    FCLASS_D(32, 1 << 4, 0)
    FCLASS_D(33, 1 << 5, 0x0000000000000001)
    FCLASS_D(34, 1 << 6, ONE_D)
    FCLASS_D(35, 1 << 7, INF_D)
    FCLASS_D(36, 1 << 8, SNAN_D)
    FCLASS_D(37, 1 << 9, QNAN_D)

    // ---- single <-> double
    TESTNUM(38)
    FLI_D(fa1, 0x3fd5555555555555, t0)     // 1/3
    fcvt.s.d fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, 0xffffffff3eaaaaab)          // result NaN-boxed, rounded (RNE)
    TESTNUM(39)
    li a0, 0xffffffff3f800000              // boxed 1.0f
    fmv.d.x fa1, a0
    fcvt.d.s fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, ONE_D)
    TESTNUM(40)
    li a0, 0x000000003f800000              // NOT boxed -> canonical NaN -> double canonical NaN
    fmv.d.x fa1, a0
    fcvt.d.s fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, QNAN_D)
    TESTNUM(41)
    csrw fflags, zero
    FLI_D(fa1, SNAN_D, t0)
    fcvt.s.d fa0, fa1
    fmv.x.d a0, fa0
    CHECK(a0, 0xffffffff7fc00000)
    csrr a1, fflags
    CHECK(a1, 0x10)
    TESTNUM(42)
    csrw fflags, zero
    FLI_D(fa1, 0x47efffffffffffff, t0)     // too big for single: overflow
    fcvt.s.d fa0, fa1
    fmv.x.w a0, fa0
    CHECK(a0, 0x7f800000)
    csrr a1, fflags
    CHECK(a1, 0x05)

    // ---- integer conversions
    FCVT_D_I(43, 0x7fffffffffffffff, 0x10, INF_D,  fcvt.l.d a0, fa1, rtz)
    FCVT_D_I(44, 0x8000000000000000, 0x10, NINF_D, fcvt.l.d a0, fa1, rtz)
    FCVT_D_I(45, 0x7fffffffffffffff, 0x10, QNAN_D, fcvt.l.d a0, fa1, rtz)
    FCVT_D_I(46, 0,                  0x10, MONE_D, fcvt.lu.d a0, fa1, rtz)
    FCVT_D_I(47, 0xffffffff80000000, 0x10, 0xc1e0000000200000, fcvt.w.d a0, fa1, rtz) // < -2^31 saturates
    FCVT_D_I(48, 0xffffffff80000000, 0x01, 0xc1e0000000100000, fcvt.w.d a0, fa1, rtz) // -2^31-0.5 -> -2^31, inexact
    FCVT_D_I(49, 0xffffffffffffffff, 0,    0x41efffffffe00000, fcvt.wu.d a0, fa1, rtz) // 2^32-1 -> sign-extended
    FCVT_D_I(50, -4, 0x01, 0xc00c000000000000, fcvt.l.d a0, fa1, rdn)   // -3.5 -> -4
    FCVT_D_I(51, -4, 0x01, 0xc00c000000000000, fcvt.l.d a0, fa1, rne)   // tie to even
    FCVT_D_I(52, -3, 0x01, 0xc00c000000000000, fcvt.l.d a0, fa1, rup)
    FCVT_D_I(53, -4, 0x01, 0xc00c000000000000, fcvt.l.d a0, fa1, rmm)
    TEST_CASE(54, a0, 0x43e0000000000000, li a1, 0x8000000000000000; fcvt.d.lu fa0, a1; fmv.x.d a0, fa0)
    TEST_CASE(55, a0, 0xc3e0000000000000, li a1, 0x8000000000000000; fcvt.d.l fa0, a1; fmv.x.d a0, fa0)
    TEST_CASE(56, a0, 0xc1e0000000000000, li a1, 0x0000000080000000; fcvt.d.w fa0, a1; fmv.x.d a0, fa0)  // uses bits 31:0 signed
    TEST_CASE(57, a0, 0x41e0000000000000, li a1, 0xffffffff80000000; fcvt.d.wu fa0, a1; fmv.x.d a0, fa0)
    TESTNUM(58)                                // fcvt.d.l of 2^53+1 is inexact under RNE
    csrw fflags, zero
    li a1, 0x20000000000001
    fcvt.d.l fa0, a1
    fmv.x.d a0, fa0
    CHECK(a0, 0x4340000000000000)
    csrr a1, fflags
    CHECK(a1, 0x01)
    // ---- FS = Off makes D instructions illegal too
    MSTATUS_CLR MSTATUS_FS
    TEST_TRAP_TVAL(59, CAUSE_ILLEGAL_INSTRUCTION, 0x00043507, .word 0x00043507)   // fld fa0, 0(s0)
    TEST_TRAP_TVAL(60, CAUSE_ILLEGAL_INSTRUCTION, 0xe2050553, .word 0xe2050553)   // fmv.x.d a0, fa0
    TEST_TRAP(61, CAUSE_ILLEGAL_INSTRUCTION, c.fsdsp fa0, 0(sp))
    CHECK(s8, 0xa02a)
    MSTATUS_SET MSTATUS_FS_INITIAL
TEST_END

    .data
    .align 4
dbuf: .skip 64
