// The bare-metal workloads in bench/programs/ and how to get them built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, programsDir } from './paths.js';

export interface Workload {
  readonly name: string;
  readonly description: string;
}

/** Must match WORKLOADS in bench/programs/Makefile. */
export const WORKLOADS: readonly Workload[] = [
  { name: 'intmix', description: 'integer mix: tokenizer, int matrix, lists, recursion, cipher, div/rem' },
  { name: 'memcopy', description: 'memset/memcpy/memmove over 256 KiB buffers' },
  { name: 'crc32', description: 'CRC-32 over 256 KiB, byte-wise table and slicing-by-8' },
  { name: 'sort', description: 'quicksort and heapsort of 100,000 ints' },
  { name: 'fpkernel', description: 'double precision: 48x48 matrix multiply (fma), n-body' },
  {
    name: 'bignum',
    description: "multi-precision multiply and submul (mul/mulhu carry chains, the loops of Linux's MPI)",
  },
];

export type Variant = 'full' | 'small';

export const CROSS_CC = 'riscv64-unknown-elf-gcc';

export function workloadElf(name: string, variant: Variant): string {
  return join(buildDir, variant === 'small' ? `${name}-small.elf` : `${name}.elf`);
}

/** Exits through the finisher at once; timed to measure an emulator's start-up. */
export function emptyElf(): string {
  return join(buildDir, 'empty.elf');
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v '${name}'`], { stdio: 'ignore' }).status === 0;
}

function allBuilt(): boolean {
  return (
    existsSync(emptyElf()) &&
    WORKLOADS.every(
      (w) => existsSync(workloadElf(w.name, 'full')) && existsSync(workloadElf(w.name, 'small')),
    )
  );
}

/**
 * Brings bench/build/ up to date with make (its output goes to stderr). Returns an error message when
 * that is impossible, or undefined when the programs are ready. Without the cross compiler, programs
 * that are already built are used as they are.
 */
export function buildPrograms(log: (message: string) => void): string | undefined {
  if (!hasCommand(CROSS_CC) || !hasCommand('make')) {
    const missing = hasCommand('make') ? CROSS_CC : 'make';
    if (allBuilt()) {
      log(`${missing} not found: using the workloads already in bench/build/`);
      return undefined;
    }
    return (
      `${missing} not found, and the workloads in bench/programs/ are not built. Install it ` +
      `(Debian: apt-get install gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf make), ` +
      `or build them elsewhere with make -C bench/programs.`
    );
  }
  const r = spawnSync('make', ['-s', '-C', programsDir, '-j2'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) return `make -C bench/programs failed (exit status ${r.status ?? r.signal})`;
  if (!allBuilt()) return 'make -C bench/programs did not produce every workload in bench/build/';
  return undefined;
}
