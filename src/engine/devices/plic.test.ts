import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Plic,
  PLIC_CONTEXT_OFFSET,
  PLIC_CONTEXT_STRIDE,
  PLIC_ENABLE_OFFSET,
  PLIC_ENABLE_STRIDE,
} from './plic.js';
import { MIP_MEIP, MIP_SEIP, type InterruptSink } from './interrupt-sink.js';

class Hart implements InterruptSink {
  readonly mip = new Map<number, boolean>();
  setInterruptPending(bit: number, level: boolean): void {
    this.mip.set(bit, level);
  }
  pending(bit: number): boolean {
    return this.mip.get(bit) ?? false;
  }
}

function setup(harts = 1) {
  const cpus = Array.from({ length: harts }, () => new Hart());
  const plic = new Plic(cpus);
  const priority = (source: number, value: number) => plic.write(4 * source, value, 4);
  const enable = (context: number, ...sources: number[]) => {
    const words = new Map<number, number>();
    for (const s of sources) words.set(s >>> 5, (words.get(s >>> 5) ?? 0) | (1 << (s & 31)));
    for (const [word, bits] of words)
      plic.write(PLIC_ENABLE_OFFSET + PLIC_ENABLE_STRIDE * context + 4 * word, bits >>> 0, 4);
  };
  const threshold = (context: number, value: number) =>
    plic.write(PLIC_CONTEXT_OFFSET + PLIC_CONTEXT_STRIDE * context, value, 4);
  const claim = (context: number) => plic.read(PLIC_CONTEXT_OFFSET + PLIC_CONTEXT_STRIDE * context + 4, 4);
  const complete = (context: number, source: number) =>
    plic.write(PLIC_CONTEXT_OFFSET + PLIC_CONTEXT_STRIDE * context + 4, source, 4);
  return { cpus, plic, priority, enable, threshold, claim, complete };
}

test('claim returns the highest priority, ties go to the lowest id', () => {
  const { cpus, plic, priority, enable, claim, complete } = setup();
  for (const s of [3, 5, 40]) priority(s, 2);
  priority(7, 6);
  enable(0, 3, 5, 7, 40);
  for (const s of [40, 5, 3, 7]) plic.irqLine(s).set(true);
  assert.equal(cpus[0].pending(MIP_MEIP), true);
  assert.equal(cpus[0].pending(MIP_SEIP), false, 'S context has nothing enabled');
  assert.equal(claim(0), 7);
  assert.equal(claim(0), 3);
  assert.equal(claim(0), 5);
  assert.equal(claim(0), 40);
  assert.equal(claim(0), 0, 'nothing left');
  assert.equal(cpus[0].pending(MIP_MEIP), false, 'all claimed: output low');
  for (const s of [3, 5, 7, 40]) plic.irqLine(s).set(false);
  for (const s of [3, 5, 7, 40]) complete(0, s);
  assert.equal(claim(0), 0);
});

test('pending bits are visible at 0x1000 and read-only', () => {
  const { plic } = setup();
  plic.irqLine(33).set(true);
  plic.irqLine(1).set(true);
  assert.equal(plic.read(0x1000, 4), 0b10);
  assert.equal(plic.read(0x1004, 4), 0b10);
  plic.write(0x1000, 0, 4);
  assert.equal(plic.read(0x1000, 4), 0b10);
});

test('threshold masks sources at or below it; priority 0 never interrupts', () => {
  const { cpus, plic, priority, enable, threshold, claim } = setup();
  enable(1, 1, 2);
  priority(1, 3);
  priority(2, 0);
  plic.irqLine(2).set(true);
  assert.equal(cpus[0].pending(MIP_SEIP), false, 'priority 0 is "never interrupt"');
  assert.equal(claim(1), 0);
  threshold(1, 3);
  plic.irqLine(1).set(true);
  assert.equal(cpus[0].pending(MIP_SEIP), false, 'priority must exceed the threshold');
  assert.equal(claim(1), 0);
  threshold(1, 2);
  assert.equal(cpus[0].pending(MIP_SEIP), true);
  assert.equal(plic.read(PLIC_CONTEXT_OFFSET + PLIC_CONTEXT_STRIDE, 4), 2, 'threshold reads back');
  assert.equal(claim(1), 1);
});

test('a completed source whose line is still high is pending again', () => {
  const { cpus, plic, priority, enable, claim, complete } = setup();
  priority(10, 1);
  enable(0, 10);
  const line = plic.irqLine(10);
  line.set(true);
  assert.equal(claim(0), 10);
  assert.equal(plic.isPending(10), false, 'claim clears pending');
  assert.equal(cpus[0].pending(MIP_MEIP), false);
  line.set(true); // still high: the gateway holds it back until completion
  assert.equal(claim(0), 0);
  complete(0, 10);
  assert.equal(plic.isPending(10), true);
  assert.equal(cpus[0].pending(MIP_MEIP), true);
  assert.equal(claim(0), 10);
  line.set(false);
  complete(0, 10);
  assert.equal(plic.isPending(10), false);
  assert.equal(cpus[0].pending(MIP_MEIP), false);
});

test('a line that drops before the claim is no longer pending (level-triggered)', () => {
  const { cpus, plic, priority, enable, claim } = setup();
  priority(4, 1);
  enable(0, 4);
  plic.irqLine(4).set(true);
  plic.irqLine(4).set(false);
  assert.equal(cpus[0].pending(MIP_MEIP), false);
  assert.equal(claim(0), 0);
});

test('only one of two contexts racing for a source gets it', () => {
  const { cpus, plic, priority, enable, claim, complete } = setup(2);
  priority(9, 1);
  enable(0, 9); // hart 0 M
  enable(3, 9); // hart 1 S
  plic.irqLine(9).set(true);
  assert.equal(cpus[0].pending(MIP_MEIP), true);
  assert.equal(cpus[1].pending(MIP_SEIP), true);
  assert.equal(claim(3), 9);
  assert.equal(cpus[0].pending(MIP_MEIP), false, 'the other context loses its interrupt');
  assert.equal(claim(0), 0);
  complete(1, 9); // context 1 does not have source 9 enabled: ignored
  assert.equal(claim(0), 0);
  plic.irqLine(9).set(false);
  complete(3, 9);
  assert.equal(claim(0), 0);
});

test('complete of a source not enabled for the context is ignored', () => {
  const { plic, priority, enable, claim, complete } = setup();
  priority(6, 1);
  enable(0, 6);
  plic.irqLine(6).set(true);
  assert.equal(claim(0), 6);
  plic.write(PLIC_ENABLE_OFFSET, 0, 4); // disable everything before completing
  complete(0, 6);
  enable(0, 6);
  assert.equal(claim(0), 0, 'still claimed: the completion was ignored');
  complete(0, 6);
  assert.equal(claim(0), 6);
});

test('registers: source 0 and past-the-end bits are hardwired, priorities are 3 bits', () => {
  const { plic } = setup();
  plic.write(0, 7, 4);
  assert.equal(plic.read(0, 4), 0);
  plic.write(4 * 5, 0xff, 4);
  assert.equal(plic.read(4 * 5, 4), 7);
  plic.write(PLIC_ENABLE_OFFSET, 0xffff_ffff, 4);
  assert.equal(plic.read(PLIC_ENABLE_OFFSET, 4), 0xffff_fffe);
  plic.write(PLIC_ENABLE_OFFSET + 8, 0xffff_ffff, 4);
  assert.equal(plic.read(PLIC_ENABLE_OFFSET + 8, 4), 0xffff_ffff, 'sources 64..95 exist');
  plic.write(PLIC_ENABLE_OFFSET + 12, 0xffff_ffff, 4);
  assert.equal(plic.read(PLIC_ENABLE_OFFSET + 12, 4), 0);
  assert.throws(() => plic.irqLine(0), RangeError);
  assert.throws(() => plic.irqLine(96), RangeError);
  // Contexts beyond 2 * harts do not exist.
  assert.equal(plic.read(PLIC_CONTEXT_OFFSET + PLIC_CONTEXT_STRIDE * 2 + 4, 4), 0);
});

test('save/restore round-trips through JSON and re-drives the harts', () => {
  const a = setup();
  a.priority(12, 4);
  a.enable(1, 12);
  a.threshold(1, 1);
  a.plic.irqLine(12).set(true);
  a.plic.irqLine(13).set(true);
  const state = JSON.parse(JSON.stringify(a.plic.save()));
  const b = setup();
  b.plic.restore(state);
  assert.equal(b.cpus[0].pending(MIP_SEIP), true);
  assert.equal(b.cpus[0].pending(MIP_MEIP), false);
  assert.deepEqual(b.plic.save(), a.plic.save());
  assert.equal(b.claim(1), 12);
});
