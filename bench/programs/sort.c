/* Sorting: 100,000 signed 32-bit integers from a PRNG, sorted with quicksort (median of three,
   insertion sort for short ranges, recursion on the smaller side) and, from a copy, with heapsort.
   Each round uses a new array; some rounds draw from a narrow range so there are many duplicates.

   Checks: each result must be in order, the two results must be identical, and the sum and xor of the
   elements must survive the sort; hashes of the sorted arrays fold into one checksum that must equal
   the constant below (confirmed by `make host-check`). */
#include "common.h"

#define COUNT SCALE(100000, 4000)
#define ARRAYS SCALE(20, 2)
#define EXPECTED SCALE(0x77955a766473ecf6ULL, 0x2120631ab1e32339ULL)

static int32_t a[COUNT];
static int32_t b[COUNT];

static void insertion_sort(int32_t *v, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    int32_t x = v[i];
    long j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static inline void swap32(int32_t *v, long i, long j) {
  int32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static NOINLINE void quicksort(int32_t *v, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap32(v, mid, lo);
    if (v[hi] < v[lo]) swap32(v, hi, lo);
    if (v[hi] < v[mid]) swap32(v, hi, mid);
    int32_t pivot = v[mid];
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do i++;
      while (v[i] < pivot);
      do j--;
      while (v[j] > pivot);
      if (i >= j) break;
      swap32(v, i, j);
    }
    /* [lo, j] <= pivot <= [j+1, hi]: recurse into the smaller part, loop on the larger. */
    if (j - lo < hi - j) {
      quicksort(v, lo, j);
      lo = j + 1;
    } else {
      quicksort(v, j + 1, hi);
      hi = j;
    }
  }
  insertion_sort(v, lo, hi);
}

static void sift_down(int32_t *v, long root, long n) {
  int32_t x = v[root];
  for (;;) {
    long child = 2 * root + 1;
    if (child >= n) break;
    if (child + 1 < n && v[child + 1] > v[child]) child++;
    if (v[child] <= x) break;
    v[root] = v[child];
    root = child;
  }
  v[root] = x;
}

static NOINLINE void heapsort(int32_t *v, long n) {
  for (long i = n / 2 - 1; i >= 0; i--) sift_down(v, i, n);
  for (long end = n - 1; end > 0; end--) {
    swap32(v, 0, end);
    sift_down(v, 0, end);
  }
}

int main(void) {
  uint64_t seed = 0xA4093822299F31D0ULL;
  uint64_t sum = 0;
  for (int round = 0; round < ARRAYS; round++) {
    /* Odd rounds: values in [-500, 500), so long runs of equal keys. */
    int64_t before_sum = 0;
    uint32_t before_xor = 0;
    for (long i = 0; i < COUNT; i++) {
      uint64_t r = rng_next(&seed);
      int32_t x = (round & 1) ? (int32_t)(r % 1000) - 500 : (int32_t)(r >> 32);
      a[i] = b[i] = x;
      before_sum += x;
      before_xor ^= (uint32_t)x;
    }
    quicksort(a, 0, COUNT - 1);
    heapsort(b, COUNT);

    int64_t after_sum = 0;
    uint32_t after_xor = 0;
    uint64_t h = 0xCBF29CE484222325ULL;
    for (long i = 0; i < COUNT; i++) {
      if (i > 0) bench_check(a[i - 1] <= a[i], "sort", "quicksort result out of order");
      bench_check(a[i] == b[i], "sort", "heapsort and quicksort disagree");
      after_sum += a[i];
      after_xor ^= (uint32_t)a[i];
      h = (h ^ (uint32_t)a[i]) * 0x100000001B3ULL;
    }
    bench_check(after_sum == before_sum && after_xor == before_xor, "sort", "elements changed");
    sum = mix64(sum, h);
  }
  bench_report("sort", "sum", sum, EXPECTED);
}
