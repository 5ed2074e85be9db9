// A load's page-table walk also fills the write TLB when the leaf PTE is writable and already
// dirty (mmu.ts translateData), so the store that often follows needs no walk. It must not when a
// store would still have work to do or is not allowed: a clean page (the store's walk sets D, and
// software watching D must see it) or a read-only one (the store faults).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { ACCESS_LOAD, ACCESS_STORE, probeWrite, translateData } from './mmu.js';
import type { Hart } from './hart.js';

const [V, R, W, A, D] = [1, 2, 4, 64, 128];
const ROOT = 0x100000; // RAM offsets of the Sv39 tables and of the data pages
const L1 = 0x101000;
const L0 = 0x102000;
const DATA = 0x200000;
const VA = 0x4000_0000; // root[1] -> l1[0] -> l0[page]
const SV39 = 8;
const PRIV_S = 1;

/** S-mode under Sv39 with l0[page] mapping VA + page * 4096 to DATA + page * 4096 with `flags[page]`. */
function hartWith(flags: number[]): { h: Hart; pte: (page: number) => number } {
  const machine = new Machine({ memoryBytes: 4 << 20, jit: false });
  const h = machine.harts[0];
  h.reset(RAM_BASE);
  const view = new DataView(machine.ram.u8.buffer, machine.ram.u8.byteOffset);
  const setPte = (table: number, index: number, pa: number, bits: number) =>
    view.setBigUint64(table + 8 * index, (BigInt(pa / 4096) << 10n) | BigInt(bits), true);
  setPte(ROOT, 1, RAM_BASE + L1, V);
  setPte(L1, 0, RAM_BASE + L0, V);
  flags.forEach((bits, page) => setPte(L0, page, RAM_BASE + DATA + page * 4096, bits));
  h.priv = PRIV_S;
  h.satpMode = SV39;
  h.satpRoot = RAM_BASE + ROOT;
  h.updateTranslationContext();
  h.flushTranslations();
  return { h, pte: (page) => Number(view.getBigUint64(L0 + 8 * page, true) & 0xffn) };
}

test('a load through a writable, dirty PTE fills the write TLB; through a clean or read-only one it does not', () => {
  const { h, pte } = hartWith([V | R | W | A | D, V | R | W | A, V | R | A]);
  for (let page = 0; page < 3; page++) {
    assert.ok(translateData(h, VA + page * 4096, 0, 8, ACCESS_LOAD) >= 0, `load from page ${page}`);
  }
  assert.ok(probeWrite(h, VA + 8, 0) >= 0, 'dirty page: a store hits the TLB');
  assert.equal(probeWrite(h, VA + 4096, 0), -1, 'clean page: the store walks');
  assert.equal(probeWrite(h, VA + 8192, 0), -1, 'read-only page: the store walks (and faults)');
  // The clean page's store sets D through its own walk.
  assert.equal(pte(1) & D, 0);
  assert.ok(translateData(h, VA + 4096, 0, 8, ACCESS_STORE) >= 0);
  assert.equal(pte(1) & D, D, 'the store set D');
  assert.ok(probeWrite(h, VA + 4096, 0) >= 0);
  // The read-only page's store faults.
  assert.equal(translateData(h, VA + 8192, 0, 8, ACCESS_STORE), -1);
});
