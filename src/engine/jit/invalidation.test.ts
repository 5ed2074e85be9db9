// Invalidation of translated code by writes that do not come from the guest's own stores to the
// page being run: device DMA (GuestRam.write, a virtio device filling a buffer), the loader, and a
// store made by the interpreter from another page. In each case the translation must be dropped
// (the page is no longer marked in GuestRam.codePages) and the next run must execute the new code.
// The tests run a tiny hand-encoded loop whose first instruction sets a1: its value shows which
// version of the code ran.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { bootBareMetal, parseBareMetalImage } from '../boot.js';
import { VirtioRngDevice } from '../devices/virtio/rng.js';
import { VIRTIO_F_VERSION_1, featureBit } from '../devices/virtio/device.js';
import { TestDriver } from '../devices/virtio/test-support.js';
import { encI, encJ, encS } from '../cpu/encode.js';

const ZERO = 0;
const T0 = 5;
const T1 = 6;
const A0 = 10;
const A1 = 11;

/** addi rd, rs1, imm */
function addi(rd: number, rs1: number, imm: number): number {
  return encI(0x13, 0, rd, rs1, imm);
}

/** jal rd, offset */
function jal(rd: number, offset: number): number {
  return encJ(rd, offset);
}

/** sw rs2, imm(rs1) */
function sw(rs2: number, rs1: number, imm: number): number {
  return encS(0x23, 2, rs1, rs2, imm);
}

/** Little-endian bytes of 32-bit instruction words. */
function code(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * words.length);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, true));
  return bytes;
}

/** The loop at RAM offset 0: `1: li a1, value; addi a0, a0, 1; j 1b`. */
function loop(value: number): Uint8Array {
  return code(addi(A1, ZERO, value), addi(A0, A0, 1), jal(ZERO, -8));
}

const PAGE = 0; // the page the loop lives in (RAM offset 0 = physical RAM_BASE)
const RUN = 20_000;

/** A machine running loop(1) from RAM_BASE until its page is translated. */
function hotLoop(): { machine: Machine } {
  const machine = new Machine({ memoryBytes: 1 << 22, jit: true, jitOptions: { hotThreshold: 10 } });
  machine.ram.u8.set(loop(1), 0);
  const hart = machine.harts[0];
  hart.reset(RAM_BASE);
  machine.run(RUN);
  const jit = machine.jit!;
  assert.ok(jit.stats.pages > 0, 'the loop was translated');
  assert.notEqual(machine.ram.codePages[PAGE], 0, 'the loop page is marked as code');
  assert.ok(jit.stats.instructions > 0, 'translated code ran');
  assert.equal(hart.regs.x[A1], 1n);
  return { machine };
}

/** Run the machine and check that the code computing a1 = `value` is translated again and runs. */
function assertRunsNewCode(machine: Machine, value: number): void {
  const jit = machine.jit!;
  const hart = machine.harts[0];
  machine.run(RUN);
  assert.equal(hart.regs.x[A1], BigInt(value), 'the new code ran');
  assert.notEqual(machine.ram.codePages[PAGE], 0, 'the page was translated again');
  // That translation must be of the new bytes: clear a1 and let translated code set it again.
  hart.regs.x[A1] = 0n;
  const instructions = jit.stats.instructions;
  machine.run(RUN);
  assert.ok(jit.stats.instructions > instructions, 'translated code ran');
  assert.equal(hart.regs.x[A1], BigInt(value), 'the new translation runs the new code');
}

test('a DMA write (GuestRam.write) to a translated page drops the translation', () => {
  const { machine } = hotLoop();
  const jit = machine.jit!;
  const { invalidations, pages } = jit.stats;
  machine.ram.write(0, code(addi(A1, ZERO, 2)));
  assert.equal(machine.ram.codePages[PAGE], 0);
  assert.equal(jit.stats.invalidations, invalidations + 1);
  assert.equal(jit.stats.pages, pages - 1);
  assertRunsNewCode(machine, 2);
});

test('a DMA write to another page leaves the translation alone', () => {
  const { machine } = hotLoop();
  const jit = machine.jit!;
  const { invalidations, pages } = jit.stats;
  machine.ram.write(4096, code(addi(A1, ZERO, 2)));
  assert.notEqual(machine.ram.codePages[PAGE], 0);
  assert.equal(jit.stats.invalidations, invalidations);
  assert.equal(jit.stats.pages, pages);
});

test('a DMA write that only touches the end of a translated page drops it', () => {
  const { machine } = hotLoop();
  const jit = machine.jit!;
  const { invalidations } = jit.stats;
  machine.ram.write(4094, new Uint8Array(4)); // 2 bytes at the end of the code page, 2 in the next
  assert.equal(machine.ram.codePages[PAGE], 0);
  assert.equal(jit.stats.invalidations, invalidations + 1);
});

test('a virtio device filling a buffer over translated code drops the translation', () => {
  const { machine } = hotLoop();
  const jit = machine.jit!;
  const { invalidations } = jit.stats;
  // The entropy device writes the bytes of `li a1, 3` into a buffer placed over the loop.
  const replacement = code(addi(A1, ZERO, 3));
  const device = new VirtioRngDevice({ entropy: (into) => into.set(replacement.subarray(0, into.length)) });
  const driver = new TestDriver(machine.ram, device); // rings from RAM_BASE + 4 KiB on
  driver.start(8, featureBit(VIRTIO_F_VERSION_1));
  const head = driver.addChain(0, [{ address: RAM_BASE, length: 4, writable: true }]);
  driver.kick(0);
  assert.deepEqual(driver.takeUsed(0), [{ id: head, length: 4 }]);
  assert.deepEqual([...machine.ram.u8.subarray(0, 4)], [...replacement]);
  assert.equal(machine.ram.codePages[PAGE], 0);
  assert.ok(jit.stats.invalidations > invalidations);
  assertRunsNewCode(machine, 3);
});

test('loading a program drops every translation', () => {
  const { machine } = hotLoop();
  const jit = machine.jit!;
  const { invalidations } = jit.stats;
  bootBareMetal(machine, parseBareMetalImage(loop(4), RAM_BASE));
  assert.equal(jit.stats.pages, 0);
  assert.equal(machine.ram.codePages[PAGE], 0);
  assert.ok(jit.stats.invalidations > invalidations);
  assertRunsNewCode(machine, 4);
});

test('an interpreted store from another page to a translated page drops the translation', () => {
  // Page 1 holds `sw t1, 0(t0); j <loop>`, executed once per visit (never hot, so interpreted).
  const machine = new Machine({ memoryBytes: 1 << 22, jit: true, jitOptions: { hotThreshold: 10 } });
  const jit = machine.jit!;
  const hart = machine.harts[0];
  const x = hart.regs.x;
  machine.ram.u8.set(loop(1), 0);
  machine.ram.u8.set(code(sw(T1, T0, 0), jal(ZERO, -0x1004)), 0x1000);
  // First visit, before the loop page is translated: a data store into it (0x800), which gives the
  // hart a write TLB entry for the page. Translating the page must revoke it.
  hart.reset(RAM_BASE + 0x1000);
  x[T0] = BigInt(RAM_BASE + 0x800);
  x[T1] = 0x1234n;
  machine.run(RUN);
  assert.equal(machine.ram.view.getUint32(0x800, true), 0x1234);
  assert.notEqual(machine.ram.codePages[PAGE], 0, 'the loop was translated');
  assert.equal(hart.writeMapped[PAGE], 0, 'translating the page dropped its write entries');
  assert.equal(x[A1], 1n);
  // Second visit: the store patches the loop.
  const { invalidations } = jit.stats;
  hart.pc = RAM_BASE + 0x1000;
  x[T0] = BigInt(RAM_BASE);
  x[T1] = BigInt(addi(A1, ZERO, 5));
  machine.run(1); // just the store
  assert.equal(hart.pc, RAM_BASE + 0x1004);
  assert.equal(machine.ram.codePages[1], 0, 'the store was interpreted');
  assert.equal(machine.ram.codePages[PAGE], 0, 'the store dropped the translation');
  assert.equal(jit.stats.invalidations, invalidations + 1);
  assertRunsNewCode(machine, 5);
});
