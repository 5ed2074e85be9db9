// A digest of one 4 KiB page of guest RAM, naming its content in the JIT's profile (jit.ts
// JitOptions.profile): the same kernel, firmware or program has the same pages in every run,
// wherever they land in RAM.
//
// Two 32-bit multiplicative hashes over the page's 1024 words (FNV-1a's prime, and MurmurHash2's
// multiplier with a shift), as 16 hex digits. Not a cryptographic hash, and it need not be one: a
// profile only says which offsets of a page to translate and when (translations always come from
// the page's current bytes), so a collision, chance or contrived, costs one needless translation.

export function pageDigest(u8: Uint8Array, offset: number): string {
  const words = new Int32Array(u8.buffer, u8.byteOffset + offset, 1024);
  let a = 0x811c9dc5 | 0;
  let b = 0x2545f491 | 0;
  for (let i = 0; i < 1024; i++) {
    const w = words[i];
    a = Math.imul(a ^ w, 16777619);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return hex8(a) + hex8(b);
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
