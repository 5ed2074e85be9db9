// SiFive test finisher (`sifive,test1`), as in QEMU's hw/misc/sifive_test.c: guests (and the
// ISA tests) end the run by writing a status to offset 0. Linux reaches it through the DTB's
// syscon-poweroff / syscon-reboot nodes.

import type { AccessSize, MmioDevice } from '../bus.js';

/** Low half-word values of the status register. */
export const TEST_FINISHER_FAIL = 0x3333;
export const TEST_FINISHER_PASS = 0x5555;
export const TEST_FINISHER_RESET = 0x7777;

export interface FinishEvent {
  kind: 'pass' | 'fail' | 'reset';
  /** Exit code: 0 for pass and reset, the high half-word of the written value for fail. */
  code: number;
}

export type TestFinisherState = Record<string, never>;

export class TestFinisher implements MmioDevice {
  readonly name = 'test-finisher';

  constructor(private readonly onFinish: (event: FinishEvent) => void) {}

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(offset: number, value: number, size: AccessSize): void {
    // QEMU accepts 2- and 4-byte writes to offset 0; a 2-byte write carries no exit code.
    if (offset !== 0 || size < 2) return;
    const status = value & 0xffff;
    const code = size === 4 ? (value >>> 16) & 0xffff : 0;
    if (status === TEST_FINISHER_PASS) this.onFinish({ kind: 'pass', code: 0 });
    else if (status === TEST_FINISHER_FAIL) this.onFinish({ kind: 'fail', code });
    else if (status === TEST_FINISHER_RESET) this.onFinish({ kind: 'reset', code: 0 });
  }

  /** The finisher holds no state; present so every device persists the same way. */
  save(): TestFinisherState {
    return {};
  }

  restore(_state: TestFinisherState): void {}
}
