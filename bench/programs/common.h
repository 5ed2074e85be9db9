/* Shared helpers for the bare-metal benchmark workloads: console output over the NS16550 UART, exit
   through the test finisher, small memory helpers and a PRNG.

   Every workload also builds for the host (-DHOST, see `make host-check`): there the console is stdout
   and the exit status is the result, so each expected checksum is confirmed by a native run that no
   emulator is involved in. -DSMALL selects the small input used by bench/workloads.test.ts. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef SMALL
#define SCALE(full, small) (small)
#else
#define SCALE(full, small) (full)
#endif

#define NOINLINE __attribute__((noinline))
#define NORETURN __attribute__((noreturn))

void put_char(char c);
void put_str(const char *s);
void put_hex(uint64_t v, int digits);
void put_dec(uint64_t v);

/* Ends the program: pass != 0 writes 0x5555 to the finisher, otherwise (1 << 16) | 0x3333. */
NORETURN void bench_exit(int pass);

/* Prints "<name>: <what>=0x<got> PASS" (or "... expected 0x<expected> FAIL") as the program's one
   line of output, and exits accordingly. */
NORETURN void bench_report(const char *name, const char *what, uint64_t got, uint64_t expected);

/* For a self-check that fails part-way: prints "<name>: FAIL <why>" and exits with failure. */
void bench_check(int ok, const char *name, const char *why);

/* The workloads' own memory routines (also exported as memcpy/memset/memmove/memcmp on the target,
   for calls that the compiler emits by itself). */
void *bm_memcpy(void *dst, const void *src, size_t n);
void *bm_memset(void *dst, int c, size_t n);
void *bm_memmove(void *dst, const void *src, size_t n);
int bm_memcmp(const void *a, const void *b, size_t n);

/* xorshift64*: a small, fast PRNG with a full 2^64-1 period. The state must not be 0. */
static inline uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Folds a 64-bit value into a running checksum (order-sensitive). */
static inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h;
}

#endif
