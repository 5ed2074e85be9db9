/* Console, exit and memory helpers shared by the benchmark workloads (see common.h). */
#include "common.h"

#ifdef HOST
#include <stdio.h>
#include <stdlib.h>

void put_char(char c) { putchar(c); }

void bench_exit(int pass) {
  fflush(stdout);
  exit(pass ? 0 : 1);
}

#else

#define UART_BASE 0x10000000UL
#define UART_THR ((volatile uint8_t *)(UART_BASE + 0))
#define UART_LSR ((volatile uint8_t *)(UART_BASE + 5))
#define LSR_THRE 0x20
#define FINISHER ((volatile uint32_t *)0x100000UL)
#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL ((1u << 16) | 0x3333u)

void put_char(char c) {
  while ((*UART_LSR & LSR_THRE) == 0) {
  }
  *UART_THR = (uint8_t)c;
}

void bench_exit(int pass) {
  *FINISHER = pass ? FINISHER_PASS : FINISHER_FAIL;
  for (;;) {
  }
}

/* Called from crt0's trap vector: nothing in a workload should trap. */
NORETURN void bench_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval);
void bench_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval) {
  put_str("trap: mcause=0x");
  put_hex(mcause, 0);
  put_str(" mepc=0x");
  put_hex(mepc, 0);
  put_str(" mtval=0x");
  put_hex(mtval, 0);
  put_str(" FAIL\n");
  bench_exit(0);
}

void *memcpy(void *dst, const void *src, size_t n) { return bm_memcpy(dst, src, n); }
void *memset(void *dst, int c, size_t n) { return bm_memset(dst, c, n); }
void *memmove(void *dst, const void *src, size_t n) { return bm_memmove(dst, src, n); }
int memcmp(const void *a, const void *b, size_t n) { return bm_memcmp(a, b, n); }

#endif

void put_str(const char *s) {
  while (*s) put_char(*s++);
}

/* digits == 0: as many as needed (at least one). */
void put_hex(uint64_t v, int digits) {
  if (digits == 0) {
    digits = 1;
    while (digits < 16 && (v >> (4 * digits)) != 0) digits++;
  }
  for (int i = digits - 1; i >= 0; i--) put_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

void put_dec(uint64_t v) {
  char buf[21];
  int i = 0;
  do {
    buf[i++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (i > 0) put_char(buf[--i]);
}

void bench_report(const char *name, const char *what, uint64_t got, uint64_t expected) {
  put_str(name);
  put_str(": ");
  put_str(what);
  put_str("=0x");
  put_hex(got, 16);
#if defined(REPORT_INSTRET) && !defined(HOST)
  /* Development aid (make EXTRA_CFLAGS=-DREPORT_INSTRET; count under qemu -icount shift=0). */
  uint64_t instret;
  __asm__ volatile("csrr %0, minstret" : "=r"(instret));
  put_str(" instret=");
  put_dec(instret);
#endif
  if (got == expected) {
    put_str(" PASS\n");
    bench_exit(1);
  }
  put_str(" expected 0x");
  put_hex(expected, 16);
  put_str(" FAIL\n");
  bench_exit(0);
}

void bench_check(int ok, const char *name, const char *why) {
  if (ok) return;
  put_str(name);
  put_str(": FAIL ");
  put_str(why);
  put_char('\n');
  bench_exit(0);
}

/* Word-at-a-time copy when source and destination share their alignment mod 8 (the head is copied a
   byte at a time up to that alignment), byte-at-a-time otherwise. The main loop moves 64 bytes per
   iteration. */
void *bm_memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
    while (n > 0 && ((uintptr_t)d & 7) != 0) {
      *d++ = *s++;
      n--;
    }
    uint64_t *dw = (uint64_t *)d;
    const uint64_t *sw = (const uint64_t *)s;
    while (n >= 64) {
      uint64_t a0 = sw[0], a1 = sw[1], a2 = sw[2], a3 = sw[3];
      uint64_t a4 = sw[4], a5 = sw[5], a6 = sw[6], a7 = sw[7];
      dw[0] = a0;
      dw[1] = a1;
      dw[2] = a2;
      dw[3] = a3;
      dw[4] = a4;
      dw[5] = a5;
      dw[6] = a6;
      dw[7] = a7;
      dw += 8;
      sw += 8;
      n -= 64;
    }
    while (n >= 8) {
      *dw++ = *sw++;
      n -= 8;
    }
    d = (uint8_t *)dw;
    s = (const uint8_t *)sw;
  }
  while (n > 0) {
    *d++ = *s++;
    n--;
  }
  return dst;
}

void *bm_memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  uint8_t b = (uint8_t)c;
  while (n > 0 && ((uintptr_t)d & 7) != 0) {
    *d++ = b;
    n--;
  }
  uint64_t w = b * 0x0101010101010101ULL;
  uint64_t *dw = (uint64_t *)d;
  while (n >= 64) {
    dw[0] = w;
    dw[1] = w;
    dw[2] = w;
    dw[3] = w;
    dw[4] = w;
    dw[5] = w;
    dw[6] = w;
    dw[7] = w;
    dw += 8;
    n -= 64;
  }
  while (n >= 8) {
    *dw++ = w;
    n -= 8;
  }
  d = (uint8_t *)dw;
  while (n > 0) {
    *d++ = b;
    n--;
  }
  return dst;
}

void *bm_memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d <= s || d >= s + n) return bm_memcpy(dst, src, n);
  /* Overlapping with dst above src: copy backwards. */
  d += n;
  s += n;
  if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
    while (n > 0 && ((uintptr_t)d & 7) != 0) {
      *--d = *--s;
      n--;
    }
    while (n >= 8) {
      d -= 8;
      s -= 8;
      *(uint64_t *)d = *(const uint64_t *)s;
      n -= 8;
    }
  }
  while (n > 0) {
    *--d = *--s;
    n--;
  }
  return dst;
}

int bm_memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *p = a, *q = b;
  for (size_t i = 0; i < n; i++) {
    if (p[i] != q[i]) return p[i] < q[i] ? -1 : 1;
  }
  return 0;
}
