// Where bootWithFirmware puts the device tree, fw_dynamic_info and initrd (topOfRamLayout, which
// `rvisor run` uses to read the initrd file straight to its address before booting).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootWithFirmware, topOfRamLayout } from './boot-linux.js';
import { VirtioRngDevice } from './devices/virtio/rng.js';
import { readFdt } from './fdt.js';
import { Machine } from './machine.js';

const MiB = 1024 * 1024;

/** A RISC-V Linux Image of `size` bytes (text_offset 0: loaded at RAM + 2 MiB). */
function image(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setBigUint64(16, BigInt(size), true);
  bytes.set(new TextEncoder().encode('RISCV\0\0\0RSC\x05'), 48);
  return bytes;
}

test('the initrd, device tree and fw_dynamic_info go where topOfRamLayout says', () => {
  // Each thing the device tree's size depends on: harts, RAM, virtio devices, bootargs, seed.
  const machine = new Machine({ memoryBytes: 64 * MiB, harts: 2 });
  machine.attachVirtio(new VirtioRngDevice());
  machine.attachVirtio(new VirtioRngDevice());
  const initrd = new Uint8Array(1_234_567).map((_, i) => (i * 13 + 5) & 0xff);
  const config = { bootargs: 'console=ttyS0 quiet', rngSeed: new Uint8Array(64).fill(7) };
  const layout = topOfRamLayout(machine, initrd.length, config);

  bootWithFirmware(machine, { firmware: new Uint8Array(4096), kernel: image(100_000), initrd, ...config });

  const ram = machine.ram;
  assert.equal(machine.harts[1].regs.x[11], BigInt(layout.dtbAddress));
  assert.equal(machine.harts[1].regs.x[12], BigInt(layout.infoAddress));
  assert.equal(layout.initrdStart % 4096, 0);
  assert.ok(layout.initrdStart + initrd.length <= layout.infoAddress);
  const at = layout.initrdStart - ram.base;
  assert.deepEqual(ram.u8.subarray(at, at + initrd.length), initrd);
  const { root } = readFdt(ram.u8.subarray(layout.dtbAddress - ram.base));
  const chosen = root.find('/chosen');
  assert.deepEqual(chosen?.getU64s('linux,initrd-start'), [BigInt(layout.initrdStart)]);
  assert.deepEqual(chosen?.getU64s('linux,initrd-end'), [BigInt(layout.initrdStart + initrd.length)]);
});

test('the layout follows the device tree: a bigger one (long bootargs) moves everything down', () => {
  const machine = new Machine({ memoryBytes: 16 * MiB });
  const small = topOfRamLayout(machine, 1000, { bootargs: 'console=ttyS0' });
  assert.equal(small.dtbAddress, machine.ram.base + 14 * MiB, 'the last 2 MiB block');
  const big = topOfRamLayout(machine, 1000, { bootargs: 'x'.repeat(2 * MiB) });
  assert.equal(big.dtbAddress, machine.ram.base + 12 * MiB);
  assert.equal(big.initrdStart, Math.floor((big.infoAddress - 1000) / 4096) * 4096);
});
