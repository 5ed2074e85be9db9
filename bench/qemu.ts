// Running a bare-metal program under QEMU for comparison: `qemu-system-riscv64 -M virt -bios none
// -nographic -kernel X`, whose exit status is the test finisher's code (0 for 0x5555).
import { spawnSync } from 'node:child_process';

export const QEMU = 'qemu-system-riscv64';

export interface QemuInfo {
  readonly command: string;
  /** First line of `--version`. */
  readonly version: string;
}

export interface QemuRun {
  /** Wall-clock seconds for the whole process, start-up included. */
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/** QEMU's version when qemu-system-riscv64 is on PATH, otherwise undefined. */
export function findQemu(): QemuInfo | undefined {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return { command: QEMU, version: r.stdout.split('\n')[0].trim() };
}

export function runQemu(elf: string, timeoutSeconds: number): QemuRun {
  const args = ['-M', 'virt', '-bios', 'none', '-nographic', '-kernel', elf];
  const start = process.hrtime.bigint();
  const r = spawnSync(QEMU, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { seconds, exitCode: r.status, output: (r.stdout ?? '') + (r.stderr ?? ''), timedOut };
}
