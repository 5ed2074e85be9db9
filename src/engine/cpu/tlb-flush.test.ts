// A full TLB flush clears the entries filled since the previous one (hart.ts noteFilled), or
// everything when more were filled than the log holds: either way no entry survives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import {
  ACCESS_LOAD,
  ACCESS_STORE,
  probeFetch,
  probeRead,
  probeWrite,
  translateData,
  translateFetch,
} from './mmu.js';
import { FILL_LOG_ENTRIES, TLB_ENTRIES } from './tlb-size.js';
import type { Hart } from './hart.js';

const PAGES = 4 * FILL_LOG_ENTRIES;

function hart(): Hart {
  const machine = new Machine({ memoryBytes: PAGES * 4096, jit: false });
  const h = machine.harts[0];
  h.reset(RAM_BASE);
  return h;
}

/** Fill the data (load and store) and fetch TLB entries of `count` pages from page `first`. */
function fill(h: Hart, first: number, count: number): void {
  for (let p = first; p < first + count; p++) {
    const address = RAM_BASE + p * 4096;
    assert.ok(translateData(h, address, 0, 8, ACCESS_LOAD) >= 0);
    assert.ok(translateData(h, address, 0, 8, ACCESS_STORE) >= 0);
    assert.ok(translateFetch(h, address) >= 0);
  }
}

/**
 * Entries some page could match. Empty: a NaN tag (the JIT views' -1/-1 page address, which no
 * page has), or the zero a fresh state block holds at an index other than its set's first (only
 * page 0, at index 0, has number and address 0; hart.ts emptyFreshTlb).
 */
function filledEntries(h: Hart): number {
  let n = 0;
  const tag = (t: number, i: number) => !Number.isNaN(t) && (t !== 0 || i % TLB_ENTRIES === 0);
  const address = (words: Int32Array, i: number) =>
    !(words[4 * i] === -1 && words[4 * i + 1] === -1) &&
    (words[4 * i] !== 0 || words[4 * i + 1] !== 0 || i % TLB_ENTRIES === 0);
  for (let i = 0; i < h.tlbReadTag.length; i++) {
    if (tag(h.tlbReadTag[i], i)) n++;
    if (tag(h.tlbWriteTag[i], i)) n++;
    if (tag(h.tlbExecTag[i], i)) n++;
    if (address(h.tlbReadJit, i)) n++;
    if (address(h.tlbWriteJit, i)) n++;
  }
  return n;
}

test('a new hart has an empty TLB', () => {
  const h = hart();
  assert.equal(filledEntries(h), 0);
  // Nothing hits, page 0 included, in any mode's sets.
  for (const priv of [0, 1, 3]) {
    h.priv = priv;
    h.updateTranslationContext();
    for (const address of [0, 0x5000, 0x7fff_f000, RAM_BASE]) {
      assert.equal(probeRead(h, address, 0), -1, `read ${address.toString(16)} (priv ${priv})`);
      assert.equal(probeWrite(h, address, 0), -1, `write ${address.toString(16)} (priv ${priv})`);
      assert.equal(probeFetch(h, address), false, `fetch ${address.toString(16)} (priv ${priv})`);
    }
  }
});

test('a flush after a few fills clears exactly what was filled', () => {
  const h = hart();
  fill(h, 0, 100);
  assert.equal(filledEntries(h), 100 * 5);
  h.flushTranslations();
  assert.equal(filledEntries(h), 0);
  // Filled again (the same entries, and others), with a single-page flush in between.
  fill(h, 50, 200);
  h.flushPage((RAM_BASE >>> 12) + 60);
  fill(h, 60, 1);
  h.flushTranslations();
  assert.equal(filledEntries(h), 0);
});

test('a flush after more fills than the log holds clears every entry', () => {
  const h = hart();
  fill(h, 0, FILL_LOG_ENTRIES + 10);
  assert.ok(filledEntries(h) > 0);
  h.flushTranslations();
  assert.equal(filledEntries(h), 0);
  // And the log starts afresh.
  fill(h, 3, 5);
  h.flushTranslations();
  assert.equal(filledEntries(h), 0);
});

test('translations still hit after a flush and a refill', () => {
  const h = hart();
  fill(h, 0, 10);
  h.flushTranslations();
  fill(h, 7, 1);
  const address = RAM_BASE + 7 * 4096;
  assert.equal(translateFetch(h, address + 2), 7 * 4096 + 2);
  assert.equal(h.fetchPage, address);
});

test('dropWriteEntries drops a page’s write entries, from the log or (after an overflow) from all', () => {
  for (const pages of [10, FILL_LOG_ENTRIES + 10]) {
    const h = hart();
    fill(h, 0, pages);
    const before = filledEntries(h);
    h.dropWriteEntries(7 * 4096);
    // The write entry (its tag and translated code's view) went; the read and fetch ones stay.
    assert.equal(filledEntries(h), before - 2, `after ${pages} fills`);
    assert.ok(translateData(h, RAM_BASE + 7 * 4096, 0, 8, ACCESS_STORE) >= 0, 'and it refills');
    assert.equal(filledEntries(h), before);
  }
});

test('an sfence.vma address inside a cached superpage flushes everything, outside it one page', () => {
  const h = hart();
  const base = RAM_BASE >>> 12;
  // A kernel-half superpage, its page numbers beyond V8's small integers (Sv39 0xffffffc0...).
  const kernelGigapage = 2 ** 52 - 2 ** 18;
  h.noteSuperpage(kernelGigapage, kernelGigapage + 2 ** 18);
  h.noteSuperpage(base + 512, base + 1024);
  fill(h, 0, 10);
  assert.equal(h.flushPage(base + 3), false, 'a page outside both superpages: that page only');
  assert.equal(filledEntries(h), 9 * 5);
  assert.equal(h.flushPage(kernelGigapage + 7), true, 'inside the gigapage: everything');
  assert.equal(filledEntries(h), 0);
  // The full flush forgot the superpages: the same address now drops one page.
  fill(h, 0, 10);
  assert.equal(h.flushPage(kernelGigapage + 7), false);
  assert.equal(filledEntries(h), 10 * 5);
  // Noting the same superpage twice takes one slot; past 32 distinct ones every address flushes all.
  for (let round = 0; round < 2; round++) {
    for (let k = 1; k <= 32; k++) h.noteSuperpage(base + 1024 * k, base + 1024 * k + 512);
  }
  assert.equal(h.superpageOverflow, false);
  assert.equal(h.flushPage(base + 3), false);
  h.noteSuperpage(base + 1024 * 33, base + 1024 * 33 + 512);
  assert.equal(h.superpageOverflow, true);
  assert.equal(h.flushPage(base + 3), true);
  assert.equal(filledEntries(h), 0);
  assert.equal(h.superpageOverflow, false);
});
