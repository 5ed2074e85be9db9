/* Memory copy and fill: repeatedly fills a 256 KiB destination with memset, copies 256 KiB of PRNG
   data into it with memcpy (mostly 8-byte aligned; some copies share a byte misalignment, and some
   smaller ones have source and destination misaligned to each other), and shifts an overlapping window
   with memmove.

   Checks: after every round, sampled bytes of the destination must equal the source (and the fill
   value just outside the copy); every 64 rounds the whole copied region is compared byte by byte; the
   samples and a hash of the final destination fold into one checksum that must equal the constant
   below (confirmed by `make host-check`). */
#include "common.h"

#define BUF_BYTES (256u * 1024u)
#define SLACK 64u
#define ROUNDS SCALE(6000, 16)
#define EXPECTED SCALE(0x0fb7b3da16b8cf24ULL, 0x8ea2853dd6993d7cULL)

static uint8_t src[BUF_BYTES + SLACK] __attribute__((aligned(64)));
static uint8_t dst[BUF_BYTES + SLACK] __attribute__((aligned(64)));

/* (destination offset, source offset, length) per round, cycling. */
struct shape {
  uint32_t doff, soff, len;
};
static const struct shape shapes[8] = {
    {0, 0, BUF_BYTES},           {8, 16, BUF_BYTES - 32}, {0, 0, BUF_BYTES},       {3, 11, BUF_BYTES - 16},
    {32, 0, BUF_BYTES - 64},     {5, 2, 16 * 1024},       {16, 8, BUF_BYTES - 24}, {7, 7, BUF_BYTES - 7},
};

static uint64_t hash_words(const uint8_t *p, size_t n) {
  const uint64_t *w = (const uint64_t *)p;
  uint64_t h = 0xCBF29CE484222325ULL;
  for (size_t i = 0; i < n / 8; i++) h = (h ^ w[i]) * 0x100000001B3ULL;
  return h;
}

int main(void) {
  uint64_t seed = 0x13198A2E03707344ULL;
  for (size_t i = 0; i < sizeof src; i += 8) {
    uint64_t r = rng_next(&seed);
    for (int k = 0; k < 8; k++) src[i + k] = (uint8_t)(r >> (8 * k));
  }

  uint64_t sum = 0;
  for (uint32_t round = 0; round < ROUNDS; round++) {
    const struct shape *s = &shapes[round & 7];
    uint8_t fill = (uint8_t)(round * 37 + 1);
    bm_memset(dst, fill, sizeof dst);
    bm_memcpy(dst + s->doff, src + s->soff, s->len);

    /* Sample 16 positions in the copy, and the fill on each side of it. */
    for (int k = 0; k < 16; k++) {
      uint32_t at = (uint32_t)(rng_next(&seed) % s->len);
      bench_check(dst[s->doff + at] == src[s->soff + at], "memcopy", "copied byte differs");
      sum = mix64(sum, dst[s->doff + at] | (uint64_t)at << 8);
    }
    if (s->doff > 0) bench_check(dst[s->doff - 1] == fill, "memcopy", "copy wrote before its start");
    bench_check(dst[s->doff + s->len] == fill, "memcopy", "copy wrote past its end");
    if ((round & 63) == 63) {
      bench_check(bm_memcmp(dst + s->doff, src + s->soff, s->len) == 0, "memcopy", "full compare");
    }

    /* An overlapping move inside the destination, upwards or downwards by a few bytes. */
    uint32_t mstart = (round * 4099u) % (BUF_BYTES - 8192u);
    uint32_t shift = 1u + (round % 40u);
    if (round & 1) {
      bm_memmove(dst + mstart + shift, dst + mstart, 4096);
    } else {
      bm_memmove(dst + mstart, dst + mstart + shift, 4096);
    }
    sum = mix64(sum, dst[mstart + 2048] | (uint64_t)dst[mstart + shift + 100] << 8);
  }
  sum = mix64(sum, hash_words(dst, sizeof dst));
  bench_report("memcopy", "sum", sum, EXPECTED);
}
