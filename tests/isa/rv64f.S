// rv64f.S - F extension basics (unprivileged spec ch. 11 "F", 11.2 fcsr; privileged
// spec 3.1.6.6 mstatus.FS). Deep arithmetic testing lives elsewhere; this covers:
// FLW/FSW, FMV.X.W (sign-extends) / FMV.W.X (NaN-boxes), NaN-boxing of narrower
// values read by single-precision ops (spec 12.2: improperly boxed -> canonical NaN),
// a few exact arithmetic results, compares, min/max NaN rules, conversions with
// static and dynamic rounding modes, saturation of invalid conversions, FCLASS,
// fflags accrual, frm/fflags/fcsr CSR aliasing, reserved rounding modes, and
// mstatus.FS: Off makes every FP instruction and FP CSR illegal; FP writes set Dirty.
#include "macros.h"

#define ONE_S   0x3f800000
#define TWO_S   0x40000000
#define THREE_S 0x40400000
#define HALF_S  0x3f000000
#define MONE_S  0xbf800000
#define INF_S   0x7f800000
#define QNAN_S  0x7fc00000
#define SNAN_S  0x7f800001
#define BOX     0xffffffff00000000

// FOP_S(n, expected_bits, expected_fflags, op, a_bits, b_bits): fa0 = op(a, b)
#define FOP_S(n, res, flags, op, a, b) \
    TESTNUM(n); csrw fflags, zero; FLI_S(fa1, a, t0); FLI_S(fa2, b, t0); op fa0, fa1, fa2; \
    fmv.x.w a0, fa0; slli a0, a0, 32; srli a0, a0, 32; CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)
// FCMP_S(n, expected_rd, expected_fflags, op, a_bits, b_bits)
#define FCMP_S(n, res, flags, op, a, b) \
    TESTNUM(n); csrw fflags, zero; FLI_S(fa1, a, t0); FLI_S(fa2, b, t0); op a0, fa1, fa2; \
    CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)
// FCVT_TO_INT(n, expected, expected_fflags, insn-with-rm): a0 = cvt(fa1)
#define FCVT_S_I(n, res, flags, a, ...) \
    TESTNUM(n); csrw fflags, zero; FLI_S(fa1, a, t0); __VA_ARGS__; CHECK(a0, res); csrr a1, fflags; CHECK(a1, flags)

TEST_BEGIN
    la s0, fbuf
    // ---- loads, stores, moves
    TESTNUM(1)
    li a0, 0x12345678cafebabe
    sd a0, 0(s0)
    flw fa0, 4(s0)
    fmv.x.d a1, fa0
    CHECK(a1, 0xffffffff12345678)         // FLW NaN-boxes: upper 32 bits all ones
    TESTNUM(2)
    fsw fa0, 8(s0)
    lwu a1, 8(s0)
    CHECK(a1, 0x12345678)
    TEST_CASE( 3, a1, 0xffffffffcafebabe, li a0, 0x00000000cafebabe; fmv.w.x fa0, a0; fmv.x.w a1, fa0)   // FMV.X.W sign-extends
    TEST_CASE( 4, a1, 0xffffffff3f800000, li a0, 0x123456783f800000; fmv.w.x fa0, a0; fmv.x.d a1, fa0)   // FMV.W.X boxes, ignores a0[63:32]
    // narrower transfers OUT of f registers ignore the upper bits (no NaN-box check)
    TEST_CASE( 5, a1, 0x0000000040000000, li a0, 0x0000000040000000; fmv.d.x fa0, a0; fmv.x.w a1, fa0)
    TEST_CASE( 6, a1, 0x0000000040000000, li a0, 0x0000000040000000; fmv.d.x fa0, a0; fsw fa0, 16(s0); lwu a1, 16(s0))
    // ---- NaN-boxing on input: an improperly boxed single is the canonical NaN
    TESTNUM(7)
    li a0, 0x000000003f800000             // 1.0f, but not boxed
    fmv.d.x fa1, a0
    FLI_S(fa2, ONE_S, t0)
    fadd.s fa0, fa1, fa2
    fmv.x.w a1, fa0
    CHECK(a1, QNAN_S)
    TESTNUM(8)
    fsgnj.s fa0, fa1, fa2                 // sign-injection also sees a canonical NaN
    fmv.x.d a1, fa0
    CHECK(a1, BOX | QNAN_S)
    TESTNUM(9)
    fclass.s a1, fa1
    CHECK(a1, 1 << 9)                    // quiet NaN
    TESTNUM(10)
    li a0, 0xfffffffe3f800000             // upper bits not all ones -> NaN too
    fmv.d.x fa1, a0
    feq.s a1, fa1, fa1
    CHECK(a1, 0)

    // ---- arithmetic (exact and inexact), fflags accrual: NV=0x10 DZ=0x08 OF=0x04 UF=0x02 NX=0x01
    FOP_S(11, THREE_S, 0,    fadd.s, ONE_S, TWO_S)
    FOP_S(12, MONE_S,  0,    fsub.s, ONE_S, TWO_S)
    FOP_S(13, 0x40c00000, 0, fmul.s, TWO_S, THREE_S)
    FOP_S(14, 0x3eaaaaab, 0x01, fdiv.s, ONE_S, THREE_S)        // 1/3 inexact
    FOP_S(15, INF_S,   0x08, fdiv.s, ONE_S, 0x00000000)        // divide by zero
    FOP_S(16, QNAN_S,  0x10, fdiv.s, 0x00000000, 0x00000000)   // 0/0 invalid, canonical NaN
    FOP_S(17, QNAN_S,  0x10, fsub.s, INF_S, INF_S)
    FOP_S(18, INF_S,   0x05, fmul.s, 0x7f7fffff, TWO_S)        // overflow + inexact
    FOP_S(19, QNAN_S,  0x10, fadd.s, SNAN_S, ONE_S)            // signalling NaN input
    FOP_S(20, QNAN_S,  0x00, fadd.s, 0x7fc12345, ONE_S)        // quiet NaN: no flag, result canonical
    TESTNUM(21)
    csrw fflags, zero
    FLI_S(fa1, TWO_S, t0)
    fsqrt.s fa0, fa1
    fmv.x.w a0, fa0
    CHECK(a0, 0x3fb504f3)
    csrr a1, fflags
    CHECK(a1, 0x01)
    TESTNUM(22)                           // fmadd.s: 2*3+1 = 7, single rounding
    FLI_S(fa1, TWO_S, t0)
    FLI_S(fa2, THREE_S, t0)
    FLI_S(fa3, ONE_S, t0)
    fmadd.s fa0, fa1, fa2, fa3
    fmv.x.w a0, fa0
    CHECK(a0, 0x40e00000)
    fnmsub.s fa0, fa1, fa2, fa3           // -(2*3) + 1 = -5
    fmv.x.w a0, fa0
    CHECK(a0, 0xffffffffc0a00000)
    TESTNUM(23)                           // fflags accumulate until cleared
    csrw fflags, zero
    FLI_S(fa1, ONE_S, t0)
    FLI_S(fa2, THREE_S, t0)
    fdiv.s fa0, fa1, fa2
    FLI_S(fa2, 0, t0)
    fdiv.s fa0, fa1, fa2
    csrr a1, fflags
    CHECK(a1, 0x09)

    // ---- sign injection, min/max, compares
    FOP_S(24, MONE_S, 0, fsgnjn.s, ONE_S, ONE_S)
    FOP_S(25, ONE_S,  0, fsgnjx.s, MONE_S, MONE_S)
    FOP_S(26, MONE_S, 0, fsgnj.s,  ONE_S, 0x80000000)
    FOP_S(27, 0x80000000, 0, fmin.s, 0x00000000, 0x80000000)   // -0 < +0 for min/max
    FOP_S(28, 0x00000000, 0, fmax.s, 0x80000000, 0x00000000)
    FOP_S(29, ONE_S,  0,    fmin.s, QNAN_S, ONE_S)             // one NaN: the other operand
    FOP_S(30, ONE_S,  0x10, fmax.s, SNAN_S, ONE_S)             // sNaN: NV
    FOP_S(31, QNAN_S, 0,    fmin.s, QNAN_S, 0x7fc00001)        // both NaN: canonical NaN
    FCMP_S(32, 1, 0,    feq.s, 0x00000000, 0x80000000)         // +0 == -0
    FCMP_S(33, 0, 0,    feq.s, QNAN_S, QNAN_S)                 // quiet compare: no flag
    FCMP_S(34, 0, 0x10, feq.s, SNAN_S, ONE_S)                  // feq signals only on sNaN
    FCMP_S(35, 0, 0x10, flt.s, QNAN_S, ONE_S)                  // flt/fle signal on any NaN
    FCMP_S(36, 0, 0x10, fle.s, ONE_S, QNAN_S)
    FCMP_S(37, 1, 0,    flt.s, MONE_S, ONE_S)
    FCMP_S(38, 1, 0,    fle.s, ONE_S, ONE_S)

    // ---- conversions: rounding modes (static), saturation, NV on invalid
    FCVT_S_I(39, 2,  0x01, 0x40200000, fcvt.w.s a0, fa1, rne)  // 2.5 -> 2 (ties to even)
    FCVT_S_I(40, 2,  0x01, 0x40200000, fcvt.w.s a0, fa1, rtz)
    FCVT_S_I(41, 2,  0x01, 0x40200000, fcvt.w.s a0, fa1, rdn)
    FCVT_S_I(42, 3,  0x01, 0x40200000, fcvt.w.s a0, fa1, rup)
    FCVT_S_I(43, 3,  0x01, 0x40200000, fcvt.w.s a0, fa1, rmm)
    FCVT_S_I(44, -3, 0x01, 0xc0200000, fcvt.w.s a0, fa1, rdn)  // -2.5 -> -3
    FCVT_S_I(45, -2, 0x01, 0xc0200000, fcvt.w.s a0, fa1, rtz)
    FCVT_S_I(46, 0x7fffffff,         0x10, QNAN_S, fcvt.w.s a0, fa1, rtz)   // NaN -> max
    FCVT_S_I(47, 0xffffffff80000000, 0x10, 0xff800000, fcvt.w.s a0, fa1, rtz) // -inf -> min
    FCVT_S_I(48, 0x7fffffff,         0x10, 0x4f000000, fcvt.w.s a0, fa1, rtz) // 2^31 -> max
    FCVT_S_I(49, 0,                  0x10, MONE_S, fcvt.wu.s a0, fa1, rtz)  // -1 -> 0 for unsigned
    FCVT_S_I(50, 0xffffffffffffffff, 0x10, INF_S,  fcvt.wu.s a0, fa1, rtz)  // wu max sign-extended
    FCVT_S_I(51, 0xffffffffffffffff, 0x10, QNAN_S, fcvt.lu.s a0, fa1, rtz)
    FCVT_S_I(52, 0x7fffffffffffffff, 0x10, QNAN_S, fcvt.l.s a0, fa1, rtz)
    FCVT_S_I(53, 0x0000010000000000, 0,    0x53800000, fcvt.l.s a0, fa1, rtz) // 2^40
    FCVT_S_I(54, 0,                  0x01, 0xbf000000, fcvt.wu.s a0, fa1, rtz) // -0.5 -> 0, only NX
    TEST_CASE(55, a0, 0xffffffffcf000000, li a1, 0xffffffff80000000; fcvt.s.w fa0, a1; fmv.x.w a0, fa0)
    TEST_CASE(56, a0, 0x4f800000, li a1, 0xffffffff; fcvt.s.wu fa0, a1; fmv.x.w a0, fa0)
    TEST_CASE(57, a0, 0x5f800000, li a1, -1; fcvt.s.lu fa0, a1; fmv.x.w a0, fa0)
    TEST_CASE(58, a0, 0xffffffffdf000000, li a1, 0x8000000000000000; fcvt.s.l fa0, a1; fmv.x.w a0, fa0)

    // ---- dynamic rounding mode from frm
    TESTNUM(59)
    li a1, 3                              // RUP
    csrw frm, a1
    FLI_S(fa1, 0x40200000, t0)
    fcvt.w.s a0, fa1                      // rm = dyn
    CHECK(a0, 3)
    li a1, 1                              // RTZ
    csrw frm, a1
    fcvt.w.s a0, fa1, dyn
    CHECK(a0, 2)

    // ---- fcsr / frm / fflags are views of one register; fcsr[31:8] read as zero
    TESTNUM(60)
    li a0, -1
    csrw fcsr, a0
    csrr a1, fcsr
    CHECK(a1, 0xff)
    csrr a1, frm
    CHECK(a1, 7)
    csrr a1, fflags
    CHECK(a1, 0x1f)
    TESTNUM(61)
    li a0, 0x2a                          // frm field only takes 3 bits
    csrw frm, a0
    csrr a1, fcsr
    CHECK(a1, (2 << 5) | 0x1f)
    li a0, 0xe3
    csrw fflags, a0                      // fflags takes 5 bits
    csrr a1, fcsr
    CHECK(a1, (2 << 5) | 0x03)
    TEST_CASE(62, a1, 0x03, csrrw a1, fflags, zero)
    TEST_CASE(63, a1, 0, csrr a1, fflags)
    TEST_CASE(64, a1, 2, csrrwi a1, frm, 0)
    TEST_CASE(65, a1, 0x15, csrsi fflags, 0x15; csrrci a1, fflags, 0x0; csrr a1, fflags)

    // ---- reserved rounding modes: static rm 5/6 and dyn with frm 5..7 are illegal
    TEST_TRAP_TVAL(66, CAUSE_ILLEGAL_INSTRUCTION, 0x00c5d553, .word 0x00c5d553)  // fadd.s fa0,fa1,fa2 with rm=5
    TEST_TRAP_TVAL(67, CAUSE_ILLEGAL_INSTRUCTION, 0x00c5e553, .word 0x00c5e553)  // rm=6
    TESTNUM(68)
    li a0, 5
    csrw frm, a0
    TEST_TRAP(68, CAUSE_ILLEGAL_INSTRUCTION, fadd.s fa0, fa1, fa2, dyn)
    li a0, 7
    csrw frm, a0
    TEST_TRAP(69, CAUSE_ILLEGAL_INSTRUCTION, fmul.s fa0, fa1, fa2)
    csrw frm, zero
    TEST_NO_TRAP(70, fadd.s fa0, fa1, fa2)
    // instructions that do not round accept any frm value
    li a0, 7
    csrw frm, a0
    TEST_NO_TRAP(71, fsgnj.s fa0, fa1, fa2; fmv.x.w a0, fa0; feq.s a0, fa1, fa2)
    csrw frm, zero

    // ---- mstatus.FS: writing FP state makes FS Dirty and sets SD
    TESTNUM(72)
    MSTATUS_CLR MSTATUS_FS
    MSTATUS_SET MSTATUS_FS_CLEAN
    li a0, 0x3f800000
    fmv.w.x fa0, a0
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK(a2, 3)
    srli a2, a1, 63
    CHECK(a2, 1)
    TESTNUM(73)
    MSTATUS_CLR MSTATUS_FS
    MSTATUS_SET MSTATUS_FS_INITIAL
    csrwi fflags, 1                       // writing fflags also dirties the FP state
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK(a2, 3)
    TESTNUM(74)                           // SD reads 0 when FS/XS/VS are not dirty
    MSTATUS_CLR MSTATUS_FS
    MSTATUS_SET MSTATUS_FS_CLEAN
    csrr a1, mstatus
    srli a2, a1, 63
    CHECK(a2, 0)

    // ---- mstatus.FS = Off: FP loads/stores/ops/moves and fcsr accesses are illegal;
    //      mtval holds the instruction bits
    MSTATUS_CLR MSTATUS_FS
    TEST_TRAP_TVAL(75, CAUSE_ILLEGAL_INSTRUCTION, 0x00c5f553, .word 0x00c5f553)  // fadd.s fa0,fa1,fa2 (dyn)
    TEST_TRAP_TVAL(76, CAUSE_ILLEGAL_INSTRUCTION, 0x00042507, .word 0x00042507)  // flw fa0, 0(s0)
    TEST_TRAP_TVAL(77, CAUSE_ILLEGAL_INSTRUCTION, 0x00a42027, .word 0x00a42027)  // fsw fa0, 0(s0)
    TEST_TRAP_TVAL(78, CAUSE_ILLEGAL_INSTRUCTION, 0xe0050553, .word 0xe0050553)  // fmv.x.w a0, fa0
    TEST_TRAP_TVAL(79, CAUSE_ILLEGAL_INSTRUCTION, 0xf0058553, .word 0xf0058553)  // fmv.w.x fa0, a1
    TEST_TRAP_TVAL(80, CAUSE_ILLEGAL_INSTRUCTION, 0x00302573, .word 0x00302573)  // csrr a0, fcsr
    TEST_TRAP_TVAL(81, CAUSE_ILLEGAL_INSTRUCTION, 0x00101073, .word 0x00101073)  // csrw fflags, zero
    TEST_TRAP_TVAL(82, CAUSE_ILLEGAL_INSTRUCTION, 0x00202573, .word 0x00202573)  // csrr a0, frm
    TEST_TRAP(83, CAUSE_ILLEGAL_INSTRUCTION, c.fld fa0, 0(s0))
    CHECK(s8, 0x2008)                     // compressed: mtval = the 16-bit encoding
    TESTNUM(84)                           // FS stays Off after the traps
    csrr a1, mstatus
    li a2, MSTATUS_FS
    and a1, a1, a2
    CHECK(a1, 0)
    // sstatus.FS is the same field
    TESTNUM(85)
    li a0, MSTATUS_FS_INITIAL
    csrs sstatus, a0
    csrr a1, mstatus
    li a2, MSTATUS_FS
    and a1, a1, a2
    CHECK(a1, MSTATUS_FS_INITIAL)
    TEST_NO_TRAP(86, fmv.w.x fa0, zero)
TEST_END

    .data
    .align 4
fbuf: .skip 64
