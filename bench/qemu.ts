// Running a bare-metal program under QEMU for comparison: `qemu-system-riscv64 -M virt -bios none
// -nographic -kernel X`, whose exit status is the test finisher's code (0 for 0x5555). In this
// process (runQemu, for tests), or through a Spawner's helper process (the benchmark: see
// spawner.ts for why).
import { runTimed, type Spawner, type TimedRun } from './spawner.js';

export const QEMU = 'qemu-system-riscv64';

export interface QemuInfo {
  readonly command: string;
  /** First line of `--version`. */
  readonly version: string;
}

/** A run of QEMU: wall-clock seconds for the whole process, start-up included. */
export type QemuRun = TimedRun;

function qemuArgs(elf: string): string[] {
  return ['-M', 'virt', '-bios', 'none', '-nographic', '-kernel', elf];
}

function infoOf(r: TimedRun): QemuInfo | undefined {
  if (r.error !== undefined || r.exitCode !== 0) return undefined;
  return { command: QEMU, version: r.output.split('\n')[0].trim() };
}

/** QEMU's version when qemu-system-riscv64 is on PATH, otherwise undefined. */
export function findQemu(): QemuInfo | undefined {
  return infoOf(runTimed(QEMU, ['--version'], 30));
}

export function runQemu(elf: string, timeoutSeconds: number): QemuRun {
  return runTimed(QEMU, qemuArgs(elf), timeoutSeconds);
}

/** findQemu, through the spawner's helper. */
export async function findQemuBy(spawner: Spawner): Promise<QemuInfo | undefined> {
  return infoOf(await spawner.run(QEMU, ['--version'], 30));
}

/** runQemu, through the spawner's helper. */
export function runQemuBy(spawner: Spawner, elf: string, timeoutSeconds: number): Promise<QemuRun> {
  return spawner.run(QEMU, qemuArgs(elf), timeoutSeconds);
}
