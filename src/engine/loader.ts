// Boot image loading: ELF64 executables (firmware, bare-metal tests, vmlinux), the RISC-V Linux
// Image header, and copying segments into guest RAM. Every malformed input is reported as a
// LoaderError naming what is wrong; no other exception escapes for bad images.

export class LoaderError extends Error {
  override readonly name = 'LoaderError';
}

export interface LoadSegment {
  /** Physical load address (p_paddr, as QEMU uses for -kernel/-bios ELF images). */
  paddr: number;
  /** File contents of the segment: a view into the image, not a copy. */
  data: Uint8Array;
  /** Bytes the segment occupies in memory; [data.length, memSize) is zero-filled. */
  memSize: number;
}

export interface LoadedElf {
  /** Physical address of the entry point. */
  entry: number;
  segments: LoadSegment[];
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46]; // "\x7fELF"
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const EV_CURRENT = 1;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;
const EM_RISCV = 243;
const ELF64_EHDR_SIZE = 64;
const ELF64_PHDR_SIZE = 56;
const PT_LOAD = 1;
/** e_phnum escape value meaning "the count lives in section header 0" (gABI). */
const PN_XNUM = 0xffff;

/** Names of e_machine values a user is likely to hand us by mistake. */
const MACHINE_NAMES: Record<number, string> = {
  0: 'no machine',
  2: 'SPARC',
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM (32-bit)',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  247: 'eBPF',
  258: 'LoongArch',
};

const TYPE_NAMES: Record<number, string> = {
  0: 'no file type',
  [ET_REL]: 'a relocatable object (ET_REL)',
  [ET_DYN]: 'a shared object or position-independent executable (ET_DYN)',
  [ET_CORE]: 'a core dump (ET_CORE)',
};

function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

/** True when the image starts with the ELF magic. */
export function isElf(image: Uint8Array): boolean {
  return image.length >= 4 && ELF_MAGIC.every((byte, i) => image[i] === byte);
}

/** A 64-bit field that must fit a JavaScript number exactly. */
function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new LoaderError(`${what} ${hex(value)} is out of range`);
  return Number(value);
}

interface ProgramHeader {
  index: number;
  type: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  fileSize: bigint;
  memSize: bigint;
}

/** Parse an ELF64 little-endian RISC-V executable (ET_EXEC) into loadable segments. */
export function loadElf(image: Uint8Array): LoadedElf {
  if (!isElf(image)) throw new LoaderError('not an ELF image (bad magic)');
  if (image.length < 16) throw new LoaderError('truncated ELF identification');
  const elfClass = image[4];
  if (elfClass === ELFCLASS32)
    throw new LoaderError('32-bit ELF (ELFCLASS32); a 64-bit RISC-V image is needed');
  if (elfClass !== ELFCLASS64) throw new LoaderError(`unknown ELF class ${elfClass}`);
  const data = image[5];
  if (data === ELFDATA2MSB) throw new LoaderError('big-endian ELF; RISC-V images are little-endian');
  if (data !== ELFDATA2LSB) throw new LoaderError(`unknown ELF data encoding ${data}`);
  if (image[6] !== EV_CURRENT) throw new LoaderError(`unsupported ELF version ${image[6]}`);
  if (image.length < ELF64_EHDR_SIZE) {
    throw new LoaderError(`truncated ELF header: ${image.length} bytes, need ${ELF64_EHDR_SIZE}`);
  }

  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) {
    const name = MACHINE_NAMES[machine] ?? 'unknown';
    throw new LoaderError(`ELF image is for ${name} (e_machine ${machine}), not RISC-V (${EM_RISCV})`);
  }
  if (type !== ET_EXEC) {
    const what = TYPE_NAMES[type] ?? `of unknown type ${type}`;
    throw new LoaderError(`ELF image is ${what}, not an executable (ET_EXEC)`);
  }
  const entry = view.getBigUint64(24, true);
  const phoff = view.getBigUint64(32, true);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phnum === PN_XNUM) throw new LoaderError('more than 65534 program headers (PN_XNUM) are not supported');
  if (phnum === 0) throw new LoaderError('ELF image has no program headers');
  if (phentsize < ELF64_PHDR_SIZE) {
    throw new LoaderError(`program header entry size ${phentsize} is below ${ELF64_PHDR_SIZE}`);
  }
  const tableEnd = phoff + BigInt(phnum) * BigInt(phentsize);
  if (tableEnd > BigInt(image.length)) {
    throw new LoaderError(
      `truncated program header table: ${phnum} entries at ${hex(phoff)} end at ${hex(tableEnd)}, ` +
        `image is ${hex(image.length)} bytes`,
    );
  }

  const loadable: ProgramHeader[] = [];
  for (let index = 0; index < phnum; index++) {
    const at = Number(phoff) + index * phentsize;
    const ph: ProgramHeader = {
      index,
      type: view.getUint32(at, true),
      offset: view.getBigUint64(at + 8, true),
      vaddr: view.getBigUint64(at + 16, true),
      paddr: view.getBigUint64(at + 24, true),
      fileSize: view.getBigUint64(at + 32, true),
      memSize: view.getBigUint64(at + 40, true),
    };
    if (ph.type !== PT_LOAD || ph.memSize === 0n) continue;
    if (ph.fileSize > ph.memSize) {
      throw new LoaderError(
        `segment ${index}: file size ${hex(ph.fileSize)} exceeds memory size ${hex(ph.memSize)}`,
      );
    }
    if (ph.fileSize > 0n && ph.offset + ph.fileSize > BigInt(image.length)) {
      throw new LoaderError(
        `truncated segment ${index}: bytes ${hex(ph.offset)}..${hex(ph.offset + ph.fileSize)} ` +
          `lie beyond the end of the ${hex(image.length)}-byte image`,
      );
    }
    safe(ph.paddr + ph.memSize, `segment ${index} end address`);
    loadable.push(ph);
  }
  if (loadable.length === 0) throw new LoaderError('ELF image has no loadable (PT_LOAD) segments');

  const byAddress = [...loadable].sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : 0));
  for (let i = 1; i < byAddress.length; i++) {
    const prev = byAddress[i - 1];
    const cur = byAddress[i];
    if (cur.paddr < prev.paddr + prev.memSize) {
      throw new LoaderError(
        `segments ${prev.index} (${hex(prev.paddr)}..${hex(prev.paddr + prev.memSize)}) and ` +
          `${cur.index} (${hex(cur.paddr)}..${hex(cur.paddr + cur.memSize)}) overlap`,
      );
    }
  }

  return {
    entry: physicalEntry(entry, loadable),
    segments: loadable.map((ph) => ({
      paddr: Number(ph.paddr),
      data: image.subarray(Number(ph.offset), Number(ph.offset + ph.fileSize)),
      memSize: Number(ph.memSize),
    })),
  };
}

/**
 * e_entry is a virtual address. Images linked to run where they load (firmware, tests) have
 * vaddr = paddr; a vmlinux runs at a high virtual address but is entered with the MMU off, so the
 * entry is translated through the segment that contains it.
 */
function physicalEntry(entry: bigint, loadable: ProgramHeader[]): number {
  for (const ph of loadable) {
    if (entry >= ph.vaddr && entry < ph.vaddr + ph.memSize) return Number(ph.paddr + (entry - ph.vaddr));
  }
  throw new LoaderError(`entry point ${hex(entry)} lies outside every loadable segment`);
}

/** RISC-V Linux Image header (Documentation/arch/riscv/boot-image-header.rst). */
export interface LinuxImageHeader {
  /** Offset from a 2 MiB-aligned RAM base at which the Image must be placed (text_offset). */
  loadOffset: number;
  /** Bytes the kernel occupies once loaded, .bss included (image_size). */
  imageSize: number;
}

export const IMAGE_HEADER_SIZE = 64;
const IMAGE_MAGIC = 'RISCV\0\0\0'; // at 48, deprecated since header version 0.2 but still written
const IMAGE_MAGIC2 = 'RSC\x05'; // at 56

function matches(image: Uint8Array, at: number, magic: string): boolean {
  for (let i = 0; i < magic.length; i++) if (image[at + i] !== magic.charCodeAt(i)) return false;
  return true;
}

/** The Image header of a RISC-V Linux kernel Image, or null when the image is not one. */
export function parseLinuxImageHeader(image: Uint8Array): LinuxImageHeader | null {
  if (image.length < IMAGE_HEADER_SIZE) return null;
  if (!matches(image, 48, IMAGE_MAGIC) && !matches(image, 56, IMAGE_MAGIC2)) return null;
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const textOffset = view.getBigUint64(8, true);
  const imageSize = view.getBigUint64(16, true);
  if (textOffset > BigInt(Number.MAX_SAFE_INTEGER) || imageSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LoaderError(`Linux Image header has out-of-range values (text_offset ${hex(textOffset)})`);
  }
  // Header version 0.1 kernels may leave image_size 0; then the file itself is all we know.
  return { loadOffset: Number(textOffset), imageSize: imageSize === 0n ? image.length : Number(imageSize) };
}

/** Where in RAM an Image goes: its text_offset, or 2 MiB (RV64's) when that is 0. */
export function imageLoadOffset(header: LinuxImageHeader): number {
  return header.loadOffset || 2 * 1024 * 1024;
}

/**
 * Copy segments into guest RAM, zero-filling each beyond its file contents. Every segment is
 * checked before anything is written, so a failure leaves RAM untouched.
 */
export function placeSegments(
  segments: readonly LoadSegment[],
  ram: { base: number; bytes: Uint8Array },
): void {
  const ramEnd = ram.base + ram.bytes.length;
  for (const segment of segments) {
    const end = segment.paddr + segment.memSize;
    if (segment.memSize < segment.data.length) {
      throw new LoaderError(
        `segment at ${hex(segment.paddr)} has ${segment.data.length} bytes of data but memSize ${segment.memSize}`,
      );
    }
    if (segment.paddr < ram.base || end > ramEnd) {
      throw new LoaderError(
        `segment ${hex(segment.paddr)}..${hex(end)} lies outside RAM ${hex(ram.base)}..${hex(ramEnd)}`,
      );
    }
  }
  for (const segment of segments) {
    const at = segment.paddr - ram.base;
    // Data already in place (read straight into RAM: host/image-into-ram.ts) is not copied.
    const inPlace =
      segment.data.buffer === ram.bytes.buffer && segment.data.byteOffset === ram.bytes.byteOffset + at;
    if (!inPlace) ram.bytes.set(segment.data, at);
    ram.bytes.fill(0, at + segment.data.length, at + segment.memSize);
  }
}
