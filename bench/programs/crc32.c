/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) over a 256 KiB buffer of PRNG bytes, computed
   repeatedly two ways: byte-at-a-time with one 256-entry table, and slicing-by-8 with eight tables.
   Between passes a few bytes of the buffer change, so no pass repeats the previous one.

   Checks: both tables are built bit by bit and the bitwise CRC of "123456789" must be 0xCBF43926; the
   two table-driven methods must agree on every pass; the CRCs of all passes fold into one checksum that
   must equal the constant below (confirmed by `make host-check`). */
#include "common.h"

#define BUF_BYTES (256u * 1024u)
#define PASSES SCALE(200, 1)
#define EXPECTED SCALE(0xdefe9b09fc85a947ULL, 0x4f23aed67f4a7c15ULL)

static uint8_t buf[BUF_BYTES] __attribute__((aligned(8)));
static uint32_t table[8][256];

static uint32_t crc_bitwise(const uint8_t *p, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static void build_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++) {
    for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
  }
}

static NOINLINE uint32_t crc_bytewise(const uint8_t *p, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) crc = (crc >> 8) ^ table[0][(crc ^ p[i]) & 0xFF];
  return ~crc;
}

/* Slicing-by-8; p must be 8-byte aligned (the tail is done a byte at a time). Little-endian loads. */
static NOINLINE uint32_t crc_slice8(const uint8_t *p, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  const uint64_t *w = (const uint64_t *)p;
  while (n >= 8) {
    uint64_t v = *w++ ^ crc;
    crc = table[7][v & 0xFF] ^ table[6][(v >> 8) & 0xFF] ^ table[5][(v >> 16) & 0xFF] ^
          table[4][(v >> 24) & 0xFF] ^ table[3][(v >> 32) & 0xFF] ^ table[2][(v >> 40) & 0xFF] ^
          table[1][(v >> 48) & 0xFF] ^ table[0][v >> 56];
    n -= 8;
  }
  p = (const uint8_t *)w;
  while (n-- > 0) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

int main(void) {
  static const char check[] = "123456789";
  bench_check(crc_bitwise((const uint8_t *)check, 9) == 0xCBF43926u, "crc32", "bitwise check value");
  build_tables();
  bench_check(crc_bytewise((const uint8_t *)check, 9) == 0xCBF43926u, "crc32", "table check value");

  uint64_t seed = 0x243F6A8885A308D3ULL;
  for (size_t i = 0; i < BUF_BYTES; i += 8) {
    uint64_t r = rng_next(&seed);
    for (int k = 0; k < 8; k++) buf[i + k] = (uint8_t)(r >> (8 * k));
  }

  uint64_t sum = 0;
  for (int pass = 0; pass < PASSES; pass++) {
    /* Lengths that are not a multiple of 8 exercise the slicing tail. */
    size_t n = BUF_BYTES - (size_t)(pass & 7);
    uint32_t a = crc_bytewise(buf, n);
    uint32_t b = crc_slice8(buf, n);
    bench_check(a == b, "crc32", "slicing-by-8 disagrees with byte-wise");
    sum = mix64(sum, ((uint64_t)a << 32) | (uint32_t)pass);
    /* Change a few bytes for the next pass. */
    for (int k = 0; k < 4; k++) buf[rng_next(&seed) % BUF_BYTES] ^= (uint8_t)(1u << k);
  }
  bench_report("crc32", "sum", sum, EXPECTED);
}
