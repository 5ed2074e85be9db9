// The interpreter's atomics (AMOs, LR/SC) go through the data TLB as its loads and stores do:
// an atomic on a page the TLB holds uses that entry without walking the page tables. Observable
// where the spec allows it: after the guest remaps a page without sfence.vma, a cached entry may
// still be used (privileged spec 10.2.1), and so it is, by loads and atomics alike; after the
// sfence.vma, both see the new mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { runSlice } from './interpreter.js';
import { writeCsr } from './csr.js';
import { CSR_SATP, PRIV_S } from './csr-numbers.js';
import type { Hart } from './hart.js';

const LEAF = 0xcf; // V R W X A D
const ROOT = 100;
const MID = 101;
const LOW = 102;
const CODE = 200;
const DATA = 201;
const OTHER = 202;
const VBASE = 0x4000_0000;

const ppn = (page: number) => (RAM_BASE >>> 12) + page;

function setPte(h: Hart, table: number, index: number, page: number, flags: number): void {
  const i = (table * 4096 + index * 8) >> 2;
  h.ram.i32[i] = ((ppn(page) << 10) | flags) >>> 0;
  h.ram.i32[i + 1] = 0;
}

const A0 = 10;
const A1 = 11;
const A2 = 12;
const T0 = 5;
/** amoadd.d rd, rs2, (rs1) */
const amoaddD = (rd: number, rs2: number, rs1: number) =>
  ((rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x2f) >>> 0;
/** ld rd, 0(rs1) */
const ld = (rd: number, rs1: number) => ((rs1 << 15) | (3 << 12) | (rd << 7) | 0x03) >>> 0;

test('interpreted atomics use the data TLB as loads do, until sfence.vma', () => {
  const machine = new Machine({ memoryBytes: 4 << 20, jit: false });
  const h = machine.harts[0];
  h.reset(RAM_BASE);
  setPte(h, ROOT, VBASE >>> 30, MID, 1);
  setPte(h, MID, (VBASE >>> 21) & 511, LOW, 1);
  setPte(h, LOW, 0, CODE, LEAF);
  setPte(h, LOW, 1, DATA, LEAF);
  const code = [ld(T0, A0), amoaddD(A1, A2, A0), amoaddD(A1, A2, A0), ld(T0, A0), amoaddD(A1, A2, A0)];
  code.forEach((word, k) => (h.ram.i32[(CODE * 4096) / 4 + k] = word | 0));
  const data = (page: number) => h.ram.i64[(page * 4096) / 8];
  h.ram.i64[(DATA * 4096) / 8] = 40n;
  h.ram.i64[(OTHER * 4096) / 8] = 1000n;
  writeCsr(h, CSR_SATP, (8n << 60n) | BigInt(ppn(ROOT)));
  h.priv = PRIV_S;
  h.updateTranslationContext();
  h.pc = VBASE;
  h.regs.x[A0] = BigInt(VBASE + 4096);
  h.regs.x[A2] = 1n;

  runSlice(h, 2); // ld fills the read entry, the first amoadd the write entry
  assert.equal(data(DATA), 41n);
  // Remapped without sfence.vma: the cached entries stay usable, for atomics too.
  setPte(h, LOW, 1, OTHER, LEAF);
  runSlice(h, 1);
  assert.equal(data(DATA), 42n, 'the atomic used the cached translation');
  assert.equal(data(OTHER), 1000n);
  // After sfence.vma, the new mapping.
  h.flushTranslations();
  runSlice(h, 2);
  assert.equal(h.regs.x[T0], 1000n);
  assert.equal(data(OTHER), 1001n);
  assert.equal(data(DATA), 42n);
  assert.equal(h.pc, VBASE + 20);
});
