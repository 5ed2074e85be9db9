import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalSets, MAX_ARRIVALS } from './arrivals.js';

const listOf = (sets: ArrivalSets, page: number): number[] => {
  const into = new Set<number>();
  sets.addTo(page, into);
  return [...into];
};

test('arrivals are kept per page, once each, in offset order', () => {
  const sets = new ArrivalSets(16);
  sets.add(3, 0x40);
  sets.add(3, 0xffe);
  sets.add(3, 0);
  sets.add(3, 0x40);
  sets.add(5, 0x122);
  assert.equal(sets.count(3), 3);
  assert.deepEqual(listOf(sets, 3), [0, 0x40, 0xffe]);
  assert.deepEqual(listOf(sets, 5), [0x122]);
  assert.equal(sets.count(4), 0);
  assert.deepEqual(listOf(sets, 4), []);
  // addTo adds to what the set already holds (a previous translation's entries).
  const into = new Set([0x10]);
  sets.addTo(5, into);
  assert.deepEqual([...into], [0x10, 0x122]);
});

test('a page keeps at most MAX_ARRIVALS offsets', () => {
  const sets = new ArrivalSets(2);
  for (let k = 0; k < MAX_ARRIVALS + 10; k++) sets.add(1, 4 * k);
  assert.equal(sets.count(1), MAX_ARRIVALS);
  assert.deepEqual(
    listOf(sets, 1),
    Array.from({ length: MAX_ARRIVALS }, (_, k) => 4 * k),
  );
});

test('clearing a page frees its slot for another page; clearAll forgets everything', () => {
  const pages = 1000;
  const sets = new ArrivalSets(pages);
  // More pages than the initial slots: the pool grows and keeps what was recorded.
  for (let p = 0; p < pages; p++) sets.add(p, (p * 2) & 0xfff);
  for (let p = 0; p < pages; p++) assert.deepEqual(listOf(sets, p), [(p * 2) & 0xfff], `page ${p}`);
  sets.clear(7);
  assert.equal(sets.count(7), 0);
  assert.deepEqual(listOf(sets, 7), []);
  // The freed slot comes back empty.
  sets.add(pages - 1, 0x800);
  sets.add(7, 0x20);
  assert.deepEqual(listOf(sets, 7), [0x20]);
  assert.deepEqual(
    listOf(sets, pages - 1),
    [((pages - 1) * 2) & 0xfff, 0x800].sort((a, b) => a - b),
  );
  sets.clearAll();
  for (let p = 0; p < pages; p++) assert.equal(sets.count(p), 0);
  sets.add(2, 6);
  assert.deepEqual(listOf(sets, 2), [6]);
});
