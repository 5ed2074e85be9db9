import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clint, CLINT_MSIP_OFFSET, CLINT_MTIME_OFFSET, CLINT_MTIMECMP_OFFSET } from './clint.js';
import { MIP_MSIP, MIP_MTIP, type InterruptSink } from './interrupt-sink.js';

class Hart implements InterruptSink {
  readonly mip = new Map<number, boolean>();
  calls = 0;
  setInterruptPending(bit: number, level: boolean): void {
    this.mip.set(bit, level);
    this.calls++;
  }
  pending(bit: number): boolean {
    return this.mip.get(bit) ?? false;
  }
}

function setup(harts = 2) {
  const cpus = Array.from({ length: harts }, () => new Hart());
  const time = { now: 1000 };
  const clint = new Clint(cpus, () => time.now);
  return { cpus, time, clint };
}

test('mtimecmp resets to all-ones: no timer interrupt, no deadline', () => {
  const { cpus, clint } = setup();
  assert.equal(clint.read64(CLINT_MTIMECMP_OFFSET), 0xffff_ffff_ffff_ffffn);
  clint.update();
  assert.equal(cpus[0].pending(MIP_MTIP), false);
  assert.equal(clint.nextDeadline(), Infinity);
});

test('MTIP follows mtime >= mtimecmp as the clock advances and on writes', () => {
  const { cpus, time, clint } = setup();
  clint.write64(CLINT_MTIMECMP_OFFSET + 8, 1500n); // hart 1
  assert.equal(cpus[1].pending(MIP_MTIP), false);
  assert.equal(clint.nextDeadline(), 1500);
  time.now = 1499;
  clint.update();
  assert.equal(cpus[1].pending(MIP_MTIP), false);
  time.now = 1500;
  clint.update();
  assert.equal(cpus[1].pending(MIP_MTIP), true);
  assert.equal(cpus[0].pending(MIP_MTIP), false, 'other harts are unaffected');
  clint.write64(CLINT_MTIMECMP_OFFSET + 8, 3000n);
  assert.equal(cpus[1].pending(MIP_MTIP), false, 'writing a later mtimecmp clears MTIP at once');
  clint.write64(CLINT_MTIMECMP_OFFSET + 8, 10n);
  assert.equal(cpus[1].pending(MIP_MTIP), true, 'writing a past mtimecmp raises MTIP at once');
  const calls = cpus[1].calls;
  clint.update();
  assert.equal(cpus[1].calls, calls, 'unchanged levels are not re-signalled');
});

test('32-bit halves of mtimecmp and mtime', () => {
  const { cpus, time, clint } = setup(1);
  clint.write(CLINT_MTIMECMP_OFFSET, 0xffff_ffff, 4); // low first, the spec's safe order
  clint.write(CLINT_MTIMECMP_OFFSET + 4, 0x1, 4);
  clint.write(CLINT_MTIMECMP_OFFSET, 0x2345, 4);
  assert.equal(clint.read64(CLINT_MTIMECMP_OFFSET), 0x1_0000_2345n);
  assert.equal(clint.read(CLINT_MTIMECMP_OFFSET + 4, 4), 1);
  assert.equal(clint.read(CLINT_MTIMECMP_OFFSET, 4), 0x2345);
  assert.equal(clint.nextDeadline(), 0x1_0000_2345);

  assert.equal(clint.read(CLINT_MTIME_OFFSET, 4), 1000);
  assert.equal(clint.read(CLINT_MTIME_OFFSET + 4, 4), 0);
  clint.write(CLINT_MTIME_OFFSET + 4, 1, 4); // mtime = 0x1_0000_03e8
  assert.equal(clint.read64(CLINT_MTIME_OFFSET), 0x1_0000_03e8n);
  assert.equal(cpus[0].pending(MIP_MTIP), false);
  time.now += 0x2345 - 1000;
  clint.update();
  assert.equal(cpus[0].pending(MIP_MTIP), true);
});

test('writing mtime keeps an offset against the clock; nextDeadline is in clock ticks', () => {
  const { cpus, time, clint } = setup(1);
  clint.write64(CLINT_MTIME_OFFSET, 50_000n);
  assert.equal(clint.mtime(), 50_000n);
  time.now = 1100;
  assert.equal(clint.read64(CLINT_MTIME_OFFSET), 50_100n);
  assert.equal(clint.mtimeNumber(), 50_100);
  clint.write64(CLINT_MTIMECMP_OFFSET, 50_200n);
  assert.equal(clint.nextDeadline(), 1200, 'clock() reaches the deadline at 1200');
  time.now = 1200;
  clint.update();
  assert.equal(cpus[0].pending(MIP_MTIP), true);
});

test('msip raises and clears MSIP; only bit 0 is writable', () => {
  const { cpus, clint } = setup();
  clint.write(CLINT_MSIP_OFFSET + 4, 0xffff_ffff, 4);
  assert.equal(cpus[1].pending(MIP_MSIP), true);
  assert.equal(cpus[0].pending(MIP_MSIP), false);
  assert.equal(clint.read(CLINT_MSIP_OFFSET + 4, 4), 1);
  clint.write(CLINT_MSIP_OFFSET + 4, 0, 4);
  assert.equal(cpus[1].pending(MIP_MSIP), false);
  // Registers past the last hart do not exist.
  clint.write(CLINT_MSIP_OFFSET + 8, 1, 4);
  assert.equal(clint.read(CLINT_MSIP_OFFSET + 8, 4), 0);
});

test('save/restore: JSON state, mtime continues from the saved value on a different clock', () => {
  const a = setup();
  a.clint.write64(CLINT_MTIMECMP_OFFSET, 5000n);
  a.clint.write(CLINT_MSIP_OFFSET + 4, 1, 4);
  a.time.now = 4000;
  const state = JSON.parse(JSON.stringify(a.clint.save()));
  const b = setup();
  b.time.now = 10; // the new host clock starts elsewhere
  b.clint.restore(state);
  assert.equal(b.clint.mtime(), 4000n);
  assert.equal(b.cpus[1].pending(MIP_MSIP), true);
  assert.equal(b.cpus[0].pending(MIP_MTIP), false);
  assert.equal(b.clint.nextDeadline(), 1010);
  b.time.now = 1010;
  b.clint.update();
  assert.equal(b.cpus[0].pending(MIP_MTIP), true);
});

test('setting an msip bit reports an inter-processor interrupt; clearing or rewriting it does not', () => {
  const cpus = [new Hart(), new Hart()];
  let ipis = 0;
  const clint = new Clint(
    cpus,
    () => 0,
    () => ipis++,
  );
  clint.write(CLINT_MSIP_OFFSET + 4, 1, 4);
  assert.equal(cpus[1].pending(MIP_MSIP), true);
  assert.equal(ipis, 1);
  clint.write(CLINT_MSIP_OFFSET + 4, 1, 4); // already set
  clint.write(CLINT_MSIP_OFFSET + 4, 0, 4);
  assert.equal(ipis, 1);
  clint.write(CLINT_MSIP_OFFSET, 1, 4); // to hart 0 itself
  assert.equal(ipis, 2);
});
