import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isElf, LoaderError, loadElf, parseLinuxImageHeader, placeSegments } from './loader.js';

interface SegmentSpec {
  type?: number;
  vaddr?: bigint;
  paddr: bigint;
  data: number[];
  memSize?: bigint;
}

/** A minimal ELF64 image: header, program headers, then segment data. */
function buildElf(
  options: { entry?: bigint; machine?: number; type?: number; elfClass?: number; endian?: number } = {},
  segments: SegmentSpec[] = [{ paddr: 0x8000_0000n, data: [0x13, 0, 0, 0, 0x6f, 0, 0, 0] }],
): Uint8Array {
  const phoff = 64;
  let dataAt = phoff + 56 * segments.length;
  const size = dataAt + segments.reduce((n, s) => n + s.data.length, 0);
  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  image.set([0x7f, 0x45, 0x4c, 0x46, options.elfClass ?? 2, options.endian ?? 1, 1]);
  view.setUint16(16, options.type ?? 2, true);
  view.setUint16(18, options.machine ?? 243, true);
  view.setUint32(20, 1, true);
  view.setBigUint64(24, options.entry ?? segments[0]?.vaddr ?? segments[0]?.paddr ?? 0n, true);
  view.setBigUint64(32, BigInt(phoff), true);
  view.setUint16(52, 64, true);
  view.setUint16(54, 56, true);
  view.setUint16(56, segments.length, true);
  segments.forEach((s, i) => {
    const at = phoff + 56 * i;
    view.setUint32(at, s.type ?? 1, true);
    view.setUint32(at + 4, 5, true);
    view.setBigUint64(at + 8, BigInt(dataAt), true);
    view.setBigUint64(at + 16, s.vaddr ?? s.paddr, true);
    view.setBigUint64(at + 24, s.paddr, true);
    view.setBigUint64(at + 32, BigInt(s.data.length), true);
    view.setBigUint64(at + 40, s.memSize ?? BigInt(s.data.length), true);
    image.set(s.data, dataAt);
    dataAt += s.data.length;
  });
  return image;
}

function assertLoaderError(image: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => loadElf(image),
    (e: unknown) => e instanceof LoaderError && pattern.test(e.message),
  );
}

test('loads a RISC-V executable: segments by p_paddr, bss beyond the file size', () => {
  const image = buildElf({}, [
    { paddr: 0x8000_0000n, data: [1, 2, 3, 4] },
    { type: 4, paddr: 0n, data: [9, 9] }, // PT_NOTE: not loaded
    { paddr: 0x8000_1000n, data: [5, 6], memSize: 0x10n },
  ]);
  assert.equal(isElf(image), true);
  const elf = loadElf(image);
  assert.equal(elf.entry, 0x8000_0000);
  assert.equal(elf.segments.length, 2);
  assert.deepEqual(
    elf.segments.map((s) => [s.paddr, Array.from(s.data), s.memSize]),
    [
      [0x8000_0000, [1, 2, 3, 4], 4],
      [0x8000_1000, [5, 6], 0x10],
    ],
  );
});

test('a vmlinux-style image enters at the physical address of its virtual entry point', () => {
  const image = buildElf({ entry: 0xffff_ffff_8000_0010n }, [
    { vaddr: 0xffff_ffff_8000_0000n, paddr: 0x8020_0000n, data: new Array(0x20).fill(0) },
  ]);
  assert.equal(loadElf(image).entry, 0x8020_0010);
});

test('clear errors for images that are not RISC-V ELF64 executables', () => {
  assertLoaderError(new Uint8Array([1, 2, 3]), /not an ELF image/);
  assertLoaderError(buildElf({ elfClass: 1 }), /32-bit/);
  assertLoaderError(buildElf({ endian: 2 }), /big-endian/);
  assertLoaderError(buildElf({ machine: 62 }), /x86-64/);
  assertLoaderError(buildElf({ machine: 183 }), /AArch64/);
  assertLoaderError(buildElf({ machine: 9999 }), /unknown \(e_machine 9999\)/);
  assertLoaderError(buildElf({ type: 3 }), /ET_DYN/);
  assertLoaderError(buildElf({ type: 1 }), /relocatable/);
  assertLoaderError(buildElf({}, []), /no program headers/);
  assertLoaderError(buildElf({}, [{ type: 4, paddr: 0n, data: [1] }]), /no loadable/);
  assertLoaderError(buildElf({ entry: 0x1234n }), /entry point 0x1234/);
});

test('clear errors for truncated and inconsistent images', () => {
  const image = buildElf();
  assertLoaderError(image.subarray(0, 40), /truncated ELF header/);
  assertLoaderError(image.subarray(0, 100), /truncated program header table/);
  assertLoaderError(image.subarray(0, image.length - 1), /truncated segment 0/);
  assertLoaderError(
    buildElf({}, [{ paddr: 0x8000_0000n, data: [1, 2, 3, 4], memSize: 2n }]),
    /file size 0x4 exceeds memory size 0x2/,
  );
  assertLoaderError(
    buildElf({}, [
      { paddr: 0x8000_0000n, data: [1, 2, 3, 4], memSize: 0x100n },
      { paddr: 0x8000_00f0n, data: [1] },
    ]),
    /segments 0 \(0x80000000\.\.0x80000100\) and 1 \(0x800000f0\.\.0x800000f1\) overlap/,
  );
  assertLoaderError(
    buildElf({ entry: 0x8000_0000n }, [{ paddr: 0xffff_ffff_ffff_0000n, vaddr: 0x8000_0000n, data: [1] }]),
    /out of range/,
  );
});

test('every truncation and random corruption yields a result or a LoaderError, nothing else', () => {
  const image = buildElf({}, [
    { paddr: 0x8000_0000n, data: [1, 2, 3, 4] },
    { paddr: 0x8000_1000n, data: [5, 6], memSize: 0x10n },
  ]);
  const check = (bytes: Uint8Array) => {
    try {
      loadElf(bytes);
    } catch (e) {
      if (!(e instanceof LoaderError)) throw e;
    }
  };
  for (let length = 0; length <= image.length; length++) check(image.slice(0, length));
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  for (let round = 0; round < 2000; round++) {
    const corrupt = image.slice();
    for (let flips = 1 + (random() % 4); flips > 0; flips--)
      corrupt[random() % corrupt.length] = random() & 0xff;
    check(corrupt);
    const noise = Uint8Array.from({ length: random() % 200 }, () => random() & 0xff);
    noise.set([0x7f, 0x45, 0x4c, 0x46].slice(0, noise.length));
    check(noise);
  }
});

test('placeSegments copies, zero-fills, and refuses segments outside RAM untouched', () => {
  const ram = { base: 0x8000_0000, bytes: new Uint8Array(0x100).fill(0xee) };
  placeSegments([{ paddr: 0x8000_0010, data: Uint8Array.of(1, 2), memSize: 4 }], ram);
  assert.deepEqual(Array.from(ram.bytes.subarray(0x0f, 0x15)), [0xee, 1, 2, 0, 0, 0xee]);
  const before = ram.bytes.slice();
  assert.throws(
    () =>
      placeSegments(
        [
          { paddr: 0x8000_0000, data: Uint8Array.of(9), memSize: 1 },
          { paddr: 0x8000_00f0, data: new Uint8Array(0), memSize: 0x20 },
        ],
        ram,
      ),
    (e: unknown) =>
      e instanceof LoaderError &&
      /0x800000f0\.\.0x80000110 lies outside RAM 0x80000000\.\.0x80000100/.test(e.message),
  );
  assert.deepEqual(ram.bytes, before, 'nothing was written');
});

test('parseLinuxImageHeader reads text_offset and image_size, null for other images', () => {
  const image = new Uint8Array(128);
  const view = new DataView(image.buffer);
  view.setBigUint64(8, 0x20_0000n, true);
  view.setBigUint64(16, 0x1_0000n, true);
  image.set(new TextEncoder().encode('RISCV\0\0\0RSC\x05'), 48);
  assert.deepEqual(parseLinuxImageHeader(image), { loadOffset: 0x20_0000, imageSize: 0x1_0000 });
  const onlyMagic2 = image.slice();
  onlyMagic2.fill(0, 48, 56);
  assert.deepEqual(parseLinuxImageHeader(onlyMagic2), { loadOffset: 0x20_0000, imageSize: 0x1_0000 });
  assert.equal(parseLinuxImageHeader(new Uint8Array(128)), null);
  assert.equal(parseLinuxImageHeader(image.subarray(0, 60)), null);
  assert.equal(parseLinuxImageHeader(buildElf()), null);
});

const gcc = spawnSync('riscv64-unknown-elf-gcc', ['--version'], { encoding: 'utf8' });

test(
  'loads an executable built by the RISC-V toolchain',
  { skip: gcc.error !== undefined || gcc.status !== 0 ? 'riscv64-unknown-elf-gcc not installed' : false },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-loader-'));
    try {
      const source = join(dir, 'prog.S');
      const elfPath = join(dir, 'prog.elf');
      writeFileSync(
        source,
        [
          '.option norvc',
          '.section .text',
          '.globl _start',
          'nop',
          '_start: la a0, value',
          'j _start',
          '.section .data',
          'value: .dword 0x1122334455667788',
          '.section .bss',
          '.space 4096',
          '',
        ].join('\n'),
      );
      // A linker script keeps the ELF headers out of the loaded image (with plain -Ttext, ld maps
      // them in a segment just below the text, outside RAM).
      const script = join(dir, 'prog.ld');
      writeFileSync(
        script,
        'ENTRY(_start) SECTIONS { . = 0x80000000; .text : { *(.text) } .data : { *(.data) } .bss : { *(.bss) } }',
      );
      const build = spawnSync(
        'riscv64-unknown-elf-gcc',
        [
          '-nostdlib',
          '-static',
          '-T',
          script,
          '-Wl,--no-relax,--no-warn-rwx-segments',
          '-o',
          elfPath,
          source,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(build.status, 0, build.stderr);
      const elf = loadElf(new Uint8Array(readFileSync(elfPath)));
      assert.equal(elf.entry, 0x8000_0004, '_start follows one nop');
      const text = elf.segments.find((s) => s.paddr === 0x8000_0000);
      assert.ok(text !== undefined);
      assert.deepEqual(Array.from(text.data.subarray(0, 4)), [0x13, 0, 0, 0], 'nop');
      const total = elf.segments.reduce((n, s) => n + s.memSize - s.data.length, 0);
      assert.ok(total >= 4096, '.bss is zero-fill, not file data');
      const ram = { base: 0x8000_0000, bytes: new Uint8Array(0x10_0000) };
      placeSegments(elf.segments, ram);
      assert.equal(ram.bytes[0], 0x13);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
