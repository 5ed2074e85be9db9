// Checks on the guest binaries: the kernel must be a flat RISC-V Linux Image (not an ELF or a
// compressed file), busybox a riscv64 ELF.

const IMAGE_MAGIC2_OFFSET = 56;
const IMAGE_MAGIC2 = [0x52, 0x53, 0x43, 0x05]; // "RSC\x05"
const EM_RISCV = 0xf3;

/** True when data starts with a RISC-V Linux Image header (magic "RSC\x05" at offset 56). */
export function isRiscvImage(data: Uint8Array): boolean {
  return data.length >= 64 && IMAGE_MAGIC2.every((b, i) => data[IMAGE_MAGIC2_OFFSET + i] === b);
}

/** True when data is a 64-bit little-endian RISC-V ELF file. */
export function isRiscv64Elf(data: Uint8Array): boolean {
  if (data.length < 64) return false;
  const magic = data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
  return magic && data[4] === 2 && data[5] === 1 && (data[0x12] | (data[0x13] << 8)) === EM_RISCV;
}

/** True when a 64-bit ELF file has no PT_INTERP program header (statically linked). */
export function isStaticElf(data: Uint8Array): boolean {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > data.length) return false;
    if (view.getUint32(at, true) === 3) return false; // PT_INTERP
  }
  return true;
}
