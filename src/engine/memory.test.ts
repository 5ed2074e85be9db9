// Guest RAM at the sizes the CLI accepts, up to 2 GiB: every view must cover all of it (a 2 GiB
// length does not fit a signed 32-bit shift), also inside the machine's WebAssembly.Memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestRam } from './memory.js';
import { Machine } from './machine.js';

test('2 GiB of RAM: the views reach the last byte', () => {
  const machine = new Machine({ memoryBytes: 2 ** 31, harts: 8 });
  const ram = machine.ram;
  assert.equal(ram.u8.length, 2 ** 31);
  assert.equal(ram.u16.length, 2 ** 30);
  assert.equal(ram.i32.length, 2 ** 29);
  assert.equal(ram.i64.length, 2 ** 28);
  ram.i64[ram.i64.length - 1] = -2n;
  assert.equal(ram.u8[2 ** 31 - 1], 0xff);
  assert.equal(ram.u8[2 ** 31 - 8], 0xfe);
});

test('writes outside the hart fast path report pages holding translated code', () => {
  const ram = new GuestRam(0x8000_0000, 4 * 4096);
  const seen: number[] = [];
  ram.onCodeWrite = (page) => seen.push(page);
  ram.codePages[1] = 1;
  ram.codePages[3] = 1;
  ram.write(4096 - 2, Uint8Array.of(1, 2, 3, 4)); // pages 0 and 1
  ram.noteWrite(2 * 4096, 4096); // page 2 only
  ram.noteWrite(3 * 4096 + 4095, 1); // the last byte of page 3
  assert.deepEqual(seen, [1, 3]);
  assert.deepEqual([...ram.u8.subarray(4094, 4098)], [1, 2, 3, 4]);
});
