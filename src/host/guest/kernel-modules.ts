// Linux kernel modules of the guest: reading a module's .modinfo section, finding modules in an
// extracted /lib/modules/<version> tree, and ordering them so that dependencies load first.
// Debian's package ships no modules.dep (depmod runs at install time), so the dependencies come
// from each module's own "depends=" entry, the same data depmod uses.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export class ModuleError extends Error {}

/** Module names treat '-' and '_' alike (virtio-rng.ko is the module virtio_rng). */
export function moduleName(nameOrFile: string): string {
  const base = nameOrFile.slice(nameOrFile.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

/** The key=value strings of an ELF64 little-endian module's .modinfo section. */
export function readModinfo(ko: Uint8Array): Map<string, string[]> {
  if (ko.length < 64 || ko[0] !== 0x7f || ko[1] !== 0x45 || ko[2] !== 0x4c || ko[3] !== 0x46) {
    throw new ModuleError('not an ELF file (is the module still compressed?)');
  }
  if (ko[4] !== 2 || ko[5] !== 1) throw new ModuleError('not a 64-bit little-endian ELF file');
  const view = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);
  if (shentsize < 64 || shoff + shnum * shentsize > ko.length || shstrndx >= shnum) {
    throw new ModuleError('bad ELF section header table');
  }
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: view.getUint32(at, true),
      offset: Number(view.getBigUint64(at + 24, true)),
      size: Number(view.getBigUint64(at + 32, true)),
    };
  };
  const strtab = section(shstrndx);
  const sectionName = (offset: number): string => {
    let end = strtab.offset + offset;
    while (end < ko.length && ko[end] !== 0) end++;
    return new TextDecoder().decode(ko.subarray(strtab.offset + offset, end));
  };
  const info = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (sectionName(s.name) !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) throw new ModuleError('.modinfo runs past the end of the file');
    const text = new TextDecoder().decode(ko.subarray(s.offset, s.offset + s.size));
    for (const item of text.split('\0')) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      const key = item.slice(0, eq);
      const list = info.get(key) ?? [];
      list.push(item.slice(eq + 1));
      info.set(key, list);
    }
    return info;
  }
  throw new ModuleError('the module has no .modinfo section');
}

/** The modules a module depends on, from its "depends=" entry. */
export function moduleDepends(info: Map<string, string[]>): string[] {
  const list = (info.get('depends') ?? []).join(',');
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(moduleName);
}

/** Every module file under a /lib/modules/<version> directory: module name → relative path. */
export function indexModuleFiles(modulesDir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ko(\.(xz|gz|zst))?$/.test(entry)) index.set(moduleName(entry), relative(modulesDir, path));
    }
  };
  walk(modulesDir);
  return index;
}

/** Names of the modules compiled into the kernel, from modules.builtin (empty when absent). */
export function readBuiltinModules(modulesDir: string): Set<string> {
  const file = join(modulesDir, 'modules.builtin');
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(moduleName),
  );
}

/**
 * Order modules so each comes after everything it depends on (a depth-first post-order, stable
 * in the order requested). `dependsOf` returns a module's direct dependencies, or null when the
 * module is built into the kernel (it needs no loading and is left out).
 */
export function moduleLoadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => string[] | null,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new ModuleError(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const deps = dependsOf(name);
    if (deps !== null) {
      for (const dep of deps) visit(dep, [...chain, name]);
      order.push(name);
    }
    state.set(name, 'done');
  };
  for (const name of wanted) visit(moduleName(name), []);
  return order;
}
