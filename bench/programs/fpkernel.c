/* Double-precision kernel: dense matrix multiply (48x48, fused multiply-add in the inner loop, the
   product renormalised and fed back as the next right-hand matrix) and an n-body simulation (six
   bodies under gravity, symplectic Euler steps, with sqrt and division).

   Checks: every tenth product is compared with a matrix-vector reference, A(Bx) against (AB)x, to a
   relative 1e-12; the n-body energy must drift by less than 1e-5 relative; the bit patterns of the final
   matrix and body states fold into one checksum that must equal the constant below exactly. The
   build uses -ffp-contract=off and explicit fma(), so these bits are the same on any IEEE 754 machine
   (`make host-check` confirms it natively). */
#include "common.h"

#define N 48
#define PRODUCTS SCALE(600, 3)
#define BODIES 6
#define STEPS SCALE(700000, 2000)
#define EXPECTED SCALE(0xc08d106c03d764ccULL, 0x7ac4b1fc775e85e4ULL)

static double A[N][N], B[N][N], C[N][N];

static uint64_t bits(double d) {
  union {
    double d;
    uint64_t u;
  } v = {d};
  return v.u;
}

static double fabs_(double x) { return x < 0 ? -x : x; }

/* Uniform in [-1, 1). */
static double rand_unit(uint64_t *s) { return (double)(int64_t)rng_next(s) * 0x1p-63; }

static NOINLINE void matmul(double c[N][N], double a[N][N], double b[N][N]) {
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < N; j++) c[i][j] = 0.0;
    for (int k = 0; k < N; k++) {
      double aik = a[i][k];
      for (int j = 0; j < N; j++) c[i][j] = __builtin_fma(aik, b[k][j], c[i][j]);
    }
  }
}

static void matvec(double y[N], double m[N][N], const double x[N]) {
  for (int i = 0; i < N; i++) {
    double s = 0.0;
    for (int j = 0; j < N; j++) s += m[i][j] * x[j];
    y[i] = s;
  }
}

/* Relative check of C = A*B through a vector: |(AB)x - A(Bx)| <= 1e-12 * (|A||B||x| scale). */
static void check_product(uint64_t *seed) {
  double x[N], bx[N], abx[N], cx[N];
  for (int i = 0; i < N; i++) x[i] = rand_unit(seed);
  matvec(bx, B, x);
  matvec(abx, A, bx);
  matvec(cx, C, x);
  double scale = 0.0, err = 0.0;
  for (int i = 0; i < N; i++) {
    scale += fabs_(abx[i]);
    err += fabs_(abx[i] - cx[i]);
  }
  bench_check(scale > 0.0 && err <= 1e-12 * scale, "fpkernel", "matrix product differs from A(Bx)");
}

struct body {
  double x, y, z, vx, vy, vz, m;
};
static struct body bodies[BODIES];

static double energy(void) {
  double e = 0.0;
  for (int i = 0; i < BODIES; i++) {
    struct body *p = &bodies[i];
    e += 0.5 * p->m * (p->vx * p->vx + p->vy * p->vy + p->vz * p->vz);
    for (int j = i + 1; j < BODIES; j++) {
      struct body *q = &bodies[j];
      double dx = p->x - q->x, dy = p->y - q->y, dz = p->z - q->z;
      e -= p->m * q->m / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static NOINLINE void nbody_step(double dt) {
  for (int i = 0; i < BODIES; i++) {
    struct body *p = &bodies[i];
    for (int j = i + 1; j < BODIES; j++) {
      struct body *q = &bodies[j];
      double dx = p->x - q->x, dy = p->y - q->y, dz = p->z - q->z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * __builtin_sqrt(d2));
      double mq = q->m * mag, mp = p->m * mag;
      p->vx -= dx * mq;
      p->vy -= dy * mq;
      p->vz -= dz * mq;
      q->vx += dx * mp;
      q->vy += dy * mp;
      q->vz += dz * mp;
    }
  }
  for (int i = 0; i < BODIES; i++) {
    struct body *p = &bodies[i];
    p->x = __builtin_fma(dt, p->vx, p->x);
    p->y = __builtin_fma(dt, p->vy, p->y);
    p->z = __builtin_fma(dt, p->vz, p->z);
  }
}

int main(void) {
  uint64_t seed = 0x082EFA98EC4E6C89ULL;
  uint64_t sum = 0;

  for (int i = 0; i < N; i++) {
    for (int j = 0; j < N; j++) {
      A[i][j] = rand_unit(&seed) / N;
      B[i][j] = rand_unit(&seed);
    }
  }
  for (int p = 0; p < PRODUCTS; p++) {
    matmul(C, A, B);
    if (p % 10 == 0) check_product(&seed);
    /* Next B: this product scaled so its largest element is 1, plus a small integer-derived shift. */
    double maxabs = 0.0;
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) {
        if (fabs_(C[i][j]) > maxabs) maxabs = fabs_(C[i][j]);
      }
    }
    bench_check(maxabs > 0.0, "fpkernel", "product vanished");
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) B[i][j] = C[i][j] / maxabs + (double)((i * 7 + j * 3 + p) % 11 - 5) * 0.01;
    }
    sum = mix64(sum, bits(C[p % N][(p * 5) % N]) ^ bits(maxabs));
  }

  /* A heavy central body and five lighter ones on roughly circular orbits (G = 1). */
  bodies[0] = (struct body){0, 0, 0, 0, 0, 0, 1000.0};
  for (int i = 1; i < BODIES; i++) {
    double r = 10.0 * i + 5.0 * rand_unit(&seed) * 0.1;
    double v = __builtin_sqrt(1000.0 / r);
    double z = rand_unit(&seed) * 0.5;
    bodies[i] = (struct body){r, 0, z, 0, v, rand_unit(&seed) * 0.05, 0.1 + 0.05 * i};
    if (i & 1) {
      bodies[i].x = -bodies[i].x;
      bodies[i].vy = -bodies[i].vy;
    }
  }
  double e0 = energy();
  for (int s = 0; s < STEPS; s++) nbody_step(0.001);
  double e1 = energy();
  bench_check(fabs_(e1 - e0) <= 1e-5 * fabs_(e0), "fpkernel", "n-body energy drifted");
  sum = mix64(sum, bits(e1));
  for (int i = 0; i < BODIES; i++) {
    sum = mix64(sum, bits(bodies[i].x) ^ bits(bodies[i].vy));
    sum = mix64(sum, bits(bodies[i].z) ^ bits(bodies[i].vx));
  }
  for (int i = 0; i < N; i++) sum = mix64(sum, bits(C[i][i]) ^ bits(B[i][N - 1 - i]));
  bench_report("fpkernel", "sum", sum, EXPECTED);
}
