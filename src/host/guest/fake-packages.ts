// Small stand-ins for Debian's guest packages, for tests that must not use the network: a module
// ELF with a .modinfo section, a kernel Image header, a static riscv64 ELF, and .deb files built
// with dpkg-deb from those.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const encoder = new TextEncoder();

/** A minimal ELF64 relocatable with .modinfo (name=, depends=, ...) and .shstrtab sections. */
export function fakeModule(
  name: string,
  depends: readonly string[],
  extra: Record<string, string> = {},
): Uint8Array {
  const info = [
    `name=${name}`,
    `depends=${depends.join(',')}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
  const modinfo = encoder.encode(info.join('\0') + '\0');
  const shstrtab = encoder.encode('\0.modinfo\0.shstrtab\0');
  const modinfoAt = 64;
  const shstrtabAt = modinfoAt + modinfo.length;
  const shoff = (shstrtabAt + shstrtab.length + 7) & ~7;
  const out = new Uint8Array(shoff + 3 * 64);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  view.setUint16(0x10, 1, true); // ET_REL
  view.setUint16(0x12, 0xf3, true); // EM_RISCV
  view.setUint32(0x14, 1, true);
  view.setBigUint64(0x28, BigInt(shoff), true);
  view.setUint16(0x34, 64, true);
  view.setUint16(0x3a, 64, true);
  view.setUint16(0x3c, 3, true);
  view.setUint16(0x3e, 2, true);
  out.set(modinfo, modinfoAt);
  out.set(shstrtab, shstrtabAt);
  const section = (i: number, nameOffset: number, type: number, offset: number, size: number): void => {
    const at = shoff + i * 64;
    view.setUint32(at, nameOffset, true);
    view.setUint32(at + 4, type, true);
    view.setBigUint64(at + 24, BigInt(offset), true);
    view.setBigUint64(at + 32, BigInt(size), true);
  };
  section(1, 1, 1, modinfoAt, modinfo.length); // .modinfo, PROGBITS
  section(2, 10, 3, shstrtabAt, shstrtab.length); // .shstrtab, STRTAB
  return out;
}

/** Bytes that start like a RISC-V Linux Image (header magics at 48 and 56). */
export function fakeKernelImage(size = 4096): Uint8Array {
  const out = new Uint8Array(size);
  out.set(encoder.encode('RISCV\0\0\0'), 48);
  out.set(encoder.encode('RSC\x05'), 56);
  new DataView(out.buffer).setBigUint64(8, 0x200000n, true);
  return out;
}

/** A static riscv64 ELF executable header (no program headers, so no PT_INTERP). */
export function fakeStaticRiscvElf(extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(64 + extra.length);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  const view = new DataView(out.buffer);
  view.setUint16(0x10, 2, true); // ET_EXEC
  view.setUint16(0x12, 0xf3, true);
  view.setUint16(0x36, 56, true);
  out.set(extra, 64);
  return out;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Build a .deb from files (path → contents) with dpkg-deb; returns the .deb's path. */
export function buildDeb(
  workDir: string,
  outDir: string,
  pkg: { name: string; version: string; arch: string },
  files: Record<string, Uint8Array>,
): string {
  const root = join(workDir, `${pkg.name}-root`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    `Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: ${pkg.arch}\nMaintainer: rvisor tests <tests@invalid>\nDescription: test package\n`,
  );
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}_${pkg.arch}.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, out], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dpkg-deb --build failed: ${r.stderr}`);
  return out;
}

/** xz-compress bytes with the host's xz. */
export function xz(data: Uint8Array): Uint8Array {
  const r = spawnSync('xz', ['-c'], { input: data });
  if (r.status !== 0) throw new Error('xz failed');
  return r.stdout;
}
