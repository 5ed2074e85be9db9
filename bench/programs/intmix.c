/* Integer mix: a blend in the spirit of CoreMark and Dhrystone (written for this project), run for
   many rounds, each round changing the inputs a little and feeding its results to the next:
     - a tokenizer state machine over a 2 KiB text (character-class table, switch, branches),
     - a 16x16 int16 matrix product with data-dependent post-processing,
     - linked-list work on 128 nodes (reverse, insertion sort by key, unlink, walk),
     - recursive evaluation of a 63-node expression tree (calls and returns),
     - a toy substitution-permutation cipher over 64 blocks (table lookups, shifts, rotates),
     - gcd, modular exponentiation and integer square roots (multiply, divide, remainder).

   Checks: each part's result folds into a running checksum that must equal the constant below
   (confirmed by `make host-check`); the list must come out sorted and whole, and each integer square
   root must satisfy r^2 <= n < (r+1)^2. */
#include "common.h"

#define ROUNDS SCALE(4500, 25)
#define EXPECTED SCALE(0x05a7eb7b553b442eULL, 0xe1f8d73bc322e4ddULL)

static uint64_t seed = 0xBE5466CF34E90C6CULL;

/* ---- tokenizer ---- */

#define TEXT_BYTES 2048
static char text[TEXT_BYTES];
enum cls { C_SPACE, C_ALPHA, C_DIGIT, C_SIGN, C_DOT, C_PUNCT, C_COUNT };
static uint8_t char_class[256];

static void init_text(void) {
  static const char alphabet[] = "abcdefxyz_ABQZ0123456789       +-.,;()=";
  for (int c = 0; c < 256; c++) char_class[c] = C_PUNCT;
  for (int c = 'a'; c <= 'z'; c++) char_class[c] = C_ALPHA;
  for (int c = 'A'; c <= 'Z'; c++) char_class[c] = C_ALPHA;
  char_class['_'] = C_ALPHA;
  for (int c = '0'; c <= '9'; c++) char_class[c] = C_DIGIT;
  char_class[' '] = char_class['\n'] = char_class['\t'] = C_SPACE;
  char_class['+'] = char_class['-'] = C_SIGN;
  char_class['.'] = C_DOT;
  for (int i = 0; i < TEXT_BYTES; i++) text[i] = alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
}

enum state { S_START, S_IDENT, S_SIGN, S_INT, S_FRAC };

static NOINLINE uint64_t tokenize(const char *p, int n) {
  enum state st = S_START;
  uint32_t ident_hash = 0, idents = 0, numbers = 0, puncts = 0;
  int64_t value = 0, total = 0;
  int neg = 0, frac_digits = 0;
  for (int i = 0; i <= n; i++) {
    int c = i < n ? (uint8_t)p[i] : ' ';
    int k = char_class[c];
    switch (st) {
      case S_START:
        if (k == C_ALPHA) {
          st = S_IDENT;
          ident_hash = ident_hash * 31 + (uint32_t)c;
        } else if (k == C_DIGIT) {
          st = S_INT;
          neg = 0;
          value = c - '0';
        } else if (k == C_SIGN) {
          st = S_SIGN;
          neg = c == '-';
        } else if (k != C_SPACE) {
          puncts += (uint32_t)c;
        }
        break;
      case S_IDENT:
        if (k == C_ALPHA || k == C_DIGIT) {
          ident_hash = ident_hash * 31 + (uint32_t)c;
        } else {
          idents++;
          st = S_START;
          i--; /* reread this character */
        }
        break;
      case S_SIGN:
        if (k == C_DIGIT) {
          st = S_INT;
          value = c - '0';
        } else {
          puncts += neg ? 45u : 43u;
          st = S_START;
          i--;
        }
        break;
      case S_INT:
      case S_FRAC:
        if (k == C_DIGIT) {
          value = value * 10 + (c - '0');
          if (st == S_FRAC) frac_digits++;
          if (value > 1000000000) value %= 999983;
        } else if (k == C_DOT && st == S_INT) {
          st = S_FRAC;
        } else {
          total += neg ? -value : value;
          total += frac_digits;
          numbers++;
          frac_digits = 0;
          st = S_START;
          i--;
        }
        break;
    }
  }
  return ((uint64_t)ident_hash << 32) ^ ((uint64_t)idents << 40) ^ ((uint64_t)numbers << 20) ^ puncts ^
         (uint64_t)total;
}

/* ---- matrix ---- */

#define M 16
static int16_t ma[M][M], mb[M][M];
static int32_t mc[M][M];

static NOINLINE uint64_t matrix_part(int round) {
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < M; j++) {
      uint32_t s = 0; /* wraps instead of overflowing */
      for (int k = 0; k < M; k++) s += (uint32_t)(ma[i][k] * mb[k][j]);
      mc[i][j] = (int32_t)s;
    }
  }
  uint64_t acc = 0;
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < M; j++) {
      int32_t v = mc[i][j];
      if (v > 50000) {
        acc += (uint64_t)__builtin_popcount((uint32_t)v);
      } else if (v < -50000) {
        acc += (uint64_t)(-(int64_t)v) >> 5;
      } else {
        acc ^= (uint64_t)(uint32_t)v << (j & 15);
      }
    }
  }
  /* Feed back: perturb one row of A with the products. */
  int r = round % M;
  for (int j = 0; j < M; j++) ma[r][j] = (int16_t)((mc[r][j] >> 8) ^ (j * 17));
  return acc;
}

/* ---- linked list ---- */

#define NODES 128
struct node {
  struct node *next;
  int32_t key;
  int32_t payload;
};
static struct node nodes[NODES];

static struct node *list_build(int round) {
  struct node *head = 0;
  for (int i = 0; i < NODES; i++) {
    nodes[i].key = (int32_t)((i * 97 + round * 31) % 1009) - 500;
    nodes[i].payload = i ^ round;
    nodes[i].next = head;
    head = &nodes[i];
  }
  return head;
}

static struct node *list_reverse(struct node *head) {
  struct node *prev = 0;
  while (head) {
    struct node *next = head->next;
    head->next = prev;
    prev = head;
    head = next;
  }
  return prev;
}

static struct node *list_sort(struct node *head) {
  struct node *sorted = 0;
  while (head) {
    struct node *n = head;
    head = head->next;
    struct node **at = &sorted;
    while (*at && (*at)->key < n->key) at = &(*at)->next;
    n->next = *at;
    *at = n;
  }
  return sorted;
}

static NOINLINE uint64_t list_part(int round) {
  struct node *head = list_reverse(list_build(round));
  /* Unlink every node whose payload is a multiple of 5. */
  int removed = 0;
  for (struct node **at = &head; *at;) {
    if ((*at)->payload % 5 == 0) {
      *at = (*at)->next;
      removed++;
    } else {
      at = &(*at)->next;
    }
  }
  head = list_sort(head);
  uint64_t acc = 0;
  int count = 0;
  int32_t last = -0x7FFFFFFF;
  for (struct node *n = head; n; n = n->next) {
    bench_check(n->key >= last, "intmix", "list not sorted");
    last = n->key;
    acc = acc * 33 + (uint32_t)(n->key * 3 + n->payload);
    count++;
  }
  bench_check(count + removed == NODES, "intmix", "list lost nodes");
  return acc;
}

/* ---- expression tree ---- */

#define TREE_NODES 63
enum op { OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_MIN, OP_SHR };
struct expr {
  uint8_t op;
  int32_t value; /* leaves */
};
static struct expr tree[TREE_NODES]; /* heap layout: children of i are 2i+1 and 2i+2 */

static NOINLINE int64_t eval(int i) {
  if (2 * i + 1 >= TREE_NODES) return tree[i].value;
  int64_t l = eval(2 * i + 1);
  int64_t r = eval(2 * i + 2);
  switch (tree[i].op) {
    case OP_ADD:
      return l + r;
    case OP_SUB:
      return l - r;
    case OP_MUL:
      return (l * r) % 1000003;
    case OP_XOR:
      return l ^ r;
    case OP_MIN:
      return l < r ? l : r;
    default:
      return l >> (r & 7);
  }
}

static uint64_t tree_part(int round) {
  for (int i = 0; i < TREE_NODES; i++) {
    tree[i].op = (uint8_t)((i * 7 + round) % 6);
    tree[i].value = (int32_t)((i * 2654435761u + (uint32_t)round) >> 20) - 2048;
  }
  uint64_t acc = 0;
  for (int k = 0; k < 8; k++) {
    tree[TREE_NODES - 1 - k].value += k;
    acc = acc * 131 + (uint64_t)eval(0);
  }
  return acc;
}

/* ---- substitution-permutation cipher ---- */

#define BLOCKS 64
static uint8_t sbox[256];
static uint8_t blocks[BLOCKS][16];
static uint32_t round_keys[12];

static void init_cipher(void) {
  for (int i = 0; i < 256; i++) sbox[i] = (uint8_t)i;
  for (int i = 255; i > 0; i--) {
    int j = (int)(rng_next(&seed) % (uint64_t)(i + 1));
    uint8_t t = sbox[i];
    sbox[i] = sbox[j];
    sbox[j] = t;
  }
  for (int i = 0; i < 12; i++) round_keys[i] = (uint32_t)rng_next(&seed);
  for (int b = 0; b < BLOCKS; b++) {
    for (int i = 0; i < 16; i++) blocks[b][i] = (uint8_t)rng_next(&seed);
  }
}

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static NOINLINE uint64_t cipher_part(void) {
  uint64_t acc = 0;
  for (int b = 0; b < BLOCKS; b++) {
    uint8_t *s = blocks[b];
    uint32_t w[4];
    for (int i = 0; i < 4; i++) {
      w[i] = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 | (uint32_t)s[4 * i + 2] << 16 |
             (uint32_t)s[4 * i + 3] << 24;
    }
    for (int r = 0; r < 12; r++) {
      for (int i = 0; i < 4; i++) {
        uint32_t x = w[i] ^ round_keys[r];
        x = (uint32_t)sbox[x & 0xFF] | (uint32_t)sbox[(x >> 8) & 0xFF] << 8 |
            (uint32_t)sbox[(x >> 16) & 0xFF] << 16 | (uint32_t)sbox[x >> 24] << 24;
        w[i] = x;
      }
      uint32_t t = w[0];
      w[0] ^= rotl32(w[1], 7);
      w[1] ^= rotl32(w[2], 13);
      w[2] ^= rotl32(w[3], 19);
      w[3] ^= rotl32(t, 27);
    }
    for (int i = 0; i < 4; i++) {
      s[4 * i] = (uint8_t)w[i];
      s[4 * i + 1] = (uint8_t)(w[i] >> 8);
      s[4 * i + 2] = (uint8_t)(w[i] >> 16);
      s[4 * i + 3] = (uint8_t)(w[i] >> 24);
    }
    acc = mix64(acc, (uint64_t)w[0] << 32 | w[3]);
  }
  return acc;
}

/* ---- arithmetic ---- */

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b != 0) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static uint64_t powmod(uint64_t base, uint64_t exp, uint64_t mod) {
  uint64_t r = 1 % mod;
  base %= mod;
  while (exp) {
    if (exp & 1) r = r * base % mod;
    base = base * base % mod;
    exp >>= 1;
  }
  return r;
}

static uint32_t isqrt(uint64_t n) {
  if (n < 2) return (uint32_t)n;
  uint64_t x = n, y = (x + 1) / 2;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2;
  }
  return (uint32_t)x;
}

static NOINLINE uint64_t arith_part(int round) {
  uint64_t acc = 0;
  for (int i = 0; i < 12; i++) {
    uint64_t r = rng_next(&seed);
    uint64_t a = (r & 0xFFFFFF) + 1, b = ((r >> 24) & 0xFFFFFF) + 1;
    acc += gcd(a * 6, b * 10);
    uint32_t mod = (uint32_t)(r >> 40) | 1u;
    acc ^= powmod(a, b + (uint64_t)round, mod);
    uint64_t n = r >> (i & 31);
    uint64_t s = isqrt(n);
    bench_check(s * s <= n && (s + 1) * (s + 1) > n, "intmix", "integer square root");
    acc += s;
    acc += (uint64_t)((int64_t)(r ^ (uint64_t)round) / -7) ^ (uint32_t)((int32_t)r % 1000);
  }
  return acc;
}

int main(void) {
  init_text();
  init_cipher();
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < M; j++) {
      ma[i][j] = (int16_t)(rng_next(&seed) % 401) - 200;
      mb[i][j] = (int16_t)(rng_next(&seed) % 401) - 200;
    }
  }

  uint64_t sum = 0;
  for (int round = 0; round < ROUNDS; round++) {
    sum = mix64(sum, tokenize(text, TEXT_BYTES));
    /* Mutate the text a little for the next round. */
    text[(sum >> 3) % TEXT_BYTES] = text[(sum >> 17) % TEXT_BYTES];
    sum = mix64(sum, matrix_part(round));
    sum = mix64(sum, list_part(round));
    sum = mix64(sum, tree_part(round));
    sum = mix64(sum, cipher_part());
    sum = mix64(sum, arith_part(round));
  }
  bench_report("intmix", "sum", sum, EXPECTED);
}
