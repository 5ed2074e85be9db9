// Access groups (access-groups.ts): which loads and stores of a block share one TLB check, and
// that translated code with groups computes what the interpreter does, also when a group's span
// crosses a page (its first access then leaves and the interpreter runs the rest of the block).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInstruction } from '../cpu/decoder.js';
import { encI, encJ, encR, encR4, encS, encU } from '../cpu/encode.js';
import { planAccessGroups } from './access-groups.js';
import { addi, auipc, bne, csr, ld, lui, sd, machineWith } from './test-asm.js';

const [RA, SP, S0, S1, A0, A1, A2, A3, A4, T0] = [1, 2, 8, 9, 10, 11, 12, 13, 14, 5];
const [S2, S3, S4] = [18, 19, 20];
const [T1, T2, T3] = [6, 7, 28];
const lw = (rd: number, rs1: number, imm: number): number => encI(0x03, 2, rd, rs1, imm);
const sw = (rs2: number, rs1: number, imm: number): number => encS(0x23, 2, rs1, rs2, imm);
const add = (rd: number, rs1: number, rs2: number): number => encR(0x33, 0, 0, rd, rs1, rs2);
const fence = (): number => 0x0ff0000f;
const fld = (rd: number, rs1: number, imm: number): number => encI(0x07, 3, rd, rs1, imm);
const fsd = (rs2: number, rs1: number, imm: number): number => encS(0x27, 3, rs1, rs2, imm);
/** fmadd.d rd, rs1, rs2, rs3 (dynamic rounding). */
const fmadd = (rd: number, rs1: number, rs2: number, rs3: number): number =>
  encR4(0x43, 1, 7, rd, rs1, rs2, rs3);

const plan = (...words: number[]) => planAccessGroups(words.map((w) => decodeInstruction(w)));

test('a stack frame’s stores are one group: the span of their offsets, checked by the first', () => {
  const p = plan(sd(RA, SP, 8), sd(S0, SP, 0), addi(A0, A0, 1), sd(S1, SP, 16));
  assert.deepEqual(p[0], { lead: true, lo: 0, span: 24, slot: 0, store: true });
  assert.deepEqual(p[1], { lead: false, slot: 0 });
  assert.equal(p[2], undefined);
  assert.deepEqual(p[3], { lead: false, slot: 0 });
});

test('groups of different bases interleave in slots of their own', () => {
  const p = plan(ld(A1, A0, 0), sd(A1, SP, 0), ld(A2, A0, 8), sd(A2, SP, 8), lw(A3, A0, 16));
  assert.deepEqual(p[0], { lead: true, lo: 0, span: 20, slot: 0, store: false });
  assert.deepEqual(p[1], { lead: true, lo: 0, span: 16, slot: 1, store: true });
  assert.deepEqual(p[2], { lead: false, slot: 0 });
  assert.deepEqual(p[3], { lead: false, slot: 1 });
  assert.deepEqual(p[4], { lead: false, slot: 0 });
});

test('loads and stores of one base are one group, checked on the write TLB', () => {
  // A read-modify-write of a field, a load after a store.
  const p = plan(lw(A1, A0, 4), addi(A1, A1, 1), sw(A1, A0, 4), ld(A2, A0, 8));
  assert.deepEqual(p[0], { lead: true, lo: 4, span: 12, slot: 0, store: true });
  assert.deepEqual(p[2], { lead: false, slot: 0 });
  assert.deepEqual(p[3], { lead: false, slot: 0 });
});

test('a group follows its base through addi base, base, k: offsets count from the first access', () => {
  // Linux's mpihelp_addmul_1 loop: ld a2, 0(a6); addi a6, a6, 8; ...; sd a2, -8(a6).
  const p = plan(ld(A2, A4, 0), addi(A4, A4, 8), add(A2, A2, A1), sd(A2, A4, -8));
  assert.deepEqual(p[0], { lead: true, lo: 0, span: 8, slot: 0, store: true });
  assert.deepEqual(p[3], { lead: false, slot: 0 });
  // Moved down, then up: [base - 16, base + 8).
  const q = plan(ld(A1, A0, 0), addi(A0, A0, -16), ld(A2, A0, 0), addi(A0, A0, 4), lw(A3, A0, 0));
  assert.deepEqual(q[0], { lead: true, lo: -16, span: 24, slot: 0, store: false });
  assert.deepEqual(q[2], { lead: false, slot: 0 });
  assert.deepEqual(q[4], { lead: false, slot: 0 });
});

test('float loads and stores group as integer ones do, with float arithmetic between', () => {
  // fpkernel's matmul loop: fld fa4, 0(a5); fld fa5, 0(a4); addi a5, 8; addi a4, 8; fmadd.d; fsd fa5, -8(a5).
  const p = plan(
    fld(14, A4, 0),
    fld(15, T0, 0),
    addi(A4, A4, 8),
    addi(T0, T0, 8),
    fmadd(15, 13, 15, 14),
    fsd(15, A4, -8),
  );
  assert.deepEqual(p[0], { lead: true, lo: 0, span: 8, slot: 0, store: true });
  assert.equal(p[1], undefined);
  assert.deepEqual(p[5], { lead: false, slot: 0 });
  // A float load's rd is a float register: f10 is not a0.
  assert.deepEqual(plan(fld(A0, A0, 0), fld(A1, A0, 8))[0], {
    lead: true,
    lo: 0,
    span: 16,
    slot: 0,
    store: false,
  });
});

test('a group ends where its base changes, at anything but arithmetic, and at a wide span', () => {
  // A load into its own base: the next access uses the new value.
  assert.deepEqual(plan(ld(A0, A0, 0), ld(A1, A0, 8)), [undefined, undefined]);
  // The base written in between by anything but addi base, base, k.
  assert.deepEqual(plan(ld(A1, A0, 0), add(A0, A0, A1), ld(A2, A0, 0)), [undefined, undefined, undefined]);
  assert.deepEqual(plan(ld(A1, A0, 0), addi(A0, A1, 8), ld(A2, A0, 0)), [undefined, undefined, undefined]);
  // But another register written in between is fine.
  assert.equal(plan(ld(A1, A0, 0), add(A2, A1, A1), ld(A3, A0, 8))[0]?.lead, true);
  // A fence between.
  assert.deepEqual(plan(ld(A1, A0, 0), fence(), ld(A2, A0, 8)), [undefined, undefined, undefined]);
  // Offsets 300 bytes apart: not grouped (a wide span would often cross a page); also when the
  // distance comes from the base's moves.
  assert.deepEqual(plan(ld(A1, A0, 0), ld(A2, A0, 300)), [undefined, undefined]);
  assert.deepEqual(plan(ld(A1, A0, 0), addi(A0, A0, 296), ld(A2, A0, 4)), [undefined, undefined, undefined]);
  // x0 as the base (absolute addresses): never grouped.
  assert.deepEqual(plan(ld(A1, 0, 0), ld(A2, 0, 8)), [undefined, undefined]);
});

/**
 * A loop storing four words at a0 + 0..12 and loading them back, summing them into a3, with a0
 * 8 bytes before a page's end every other round (the group then crosses into the next page) and
 * 8 bytes after it otherwise; and a dword group on a page of its own.
 */
function program(): Uint32Array {
  const w: number[] = [];
  // The program runs at RAM_BASE (0x80000000), so auipc at index i gives 0x80000000 + 4i + its offset.
  w.push(auipc(S0, 0x100), addi(S0, S0, -8)); // s0 = 0x800ffff8: 8 bytes before a page's end
  w.push(auipc(S1, 0x200), addi(S1, S1, -8)); // s1 = 0x80200000: a page well inside RAM
  w.push(addi(A0, S0, 0), addi(T0, 0, 600), addi(A3, 0, 0));
  const loop = w.length;
  w.push(addi(A1, T0, 3), addi(A2, T0, 7));
  w.push(sw(A1, A0, 0), sw(A2, A0, 4), sw(T0, A0, 8), sw(A1, A0, 12));
  w.push(lw(A1, A0, 12), lw(A2, A0, 0), add(A3, A3, A1), lw(A1, A0, 8), lw(A2, A0, 4), add(A3, A3, A2));
  w.push(sd(A3, S1, 0), sd(T0, S1, 8), ld(A2, S1, 0), ld(A1, S1, 8), add(A3, A3, A1), add(A3, A3, A2));
  // Every other round, the group at a0 crosses into the next page; else it lies in one.
  w.push(encI(0x13, 7, A1, T0, 1)); // andi a1, t0, 1
  w.push(encI(0x13, 1, A1, A1, 4)); // slli a1, a1, 4
  w.push(add(A0, S0, A1));
  w.push(addi(T0, T0, -1));
  w.push(bne(T0, 0, 4 * (loop - w.length)));
  w.push(0x0000006f); // j . (spin)
  return Uint32Array.from(w);
}

function run(jit: boolean) {
  const machine = machineWith(program(), { jit, jitOptions: { hotThreshold: 50 } });
  machine.run(600 * 30 + 100);
  return {
    regs: [...machine.harts[0].regs.x].slice(0, 32),
    memory: [
      ...machine.ram.u8.slice(0xffff8 - 16, 0xffff8 + 64),
      ...machine.ram.u8.slice(0x200000, 0x200010),
    ],
    translated: machine.jit?.stats.instructions ?? 0,
    retired: machine.harts[0].retired(),
  };
}

test('grouped accesses compute as interpreted, with and without a group crossing a page', () => {
  const interpreted = run(false);
  const translated = run(true);
  assert.ok(translated.translated > 5000, `${translated.translated} instructions translated`);
  assert.deepEqual(translated.regs, interpreted.regs);
  assert.deepEqual(translated.memory, interpreted.memory);
  assert.equal(translated.retired, interpreted.retired);
});

/** Instructions setting rd to the 32-bit value v (lui + addiw). */
function li32(rd: number, v: number): number[] {
  const low = (v << 20) >> 20;
  const high = ((v - low) >>> 12) & 0xfffff;
  return [encU(0x37, rd, high), encI(0x1b, 0, rd, rd, low)];
}

/**
 * Page 0: a loop whose block stores a word at 0x80001ffc (a data page) and one at 0x80002000,
 * the first instruction of a function on page 2 that it then calls: `addi a2, a2, 1` or `5`
 * by turns. The store group spans both pages: its first store must leave, so that the second
 * goes through the write check that drops page 2's stale translation.
 */
function patching(): Uint32Array {
  const words = new Uint32Array(3 * 1024);
  const w: number[] = [];
  w.push(auipc(S0, 0x1), addi(S0, S0, 2047), addi(S0, S0, 2045)); // 0x80001ffc
  w.push(auipc(S1, 0x2), addi(S1, S1, -12)); // 0x80002000 (auipc at 0x8000000c)
  w.push(...li32(S2, addi(A2, A2, 1)), ...li32(S3, addi(A2, A2, 5)));
  w.push(encR(0x33, 0, 0x20, S4, S2, S3)); // s4 = s2 - s3
  w.push(addi(T0, 0, 300), addi(A2, 0, 0));
  const loop = w.length;
  w.push(encI(0x13, 7, A1, T0, 1)); // andi a1, t0, 1
  w.push(encR(0x33, 0, 1, A4, A1, S4)); // mul a4, a1, s4
  w.push(add(A4, A4, S3));
  w.push(sw(T0, S0, 0), sw(A4, S0, 4));
  w.push(encI(0x67, 0, RA, S1, 0)); // jalr ra, 0(s1)
  w.push(addi(T0, T0, -1));
  w.push(bne(T0, 0, 4 * (loop - w.length)));
  w.push(0x0000006f);
  words.set(w, 0);
  words.set([addi(A2, A2, 1), encI(0x67, 0, 0, RA, 0)], 2048); // page 2: the function, then ret
  return words;
}

test('a store group crossing onto a page of translated code still drops its translation', () => {
  const outcome = (jit: boolean) => {
    const machine = machineWith(patching(), { jit, jitOptions: { hotThreshold: 50 } });
    machine.run(300 * 10 + 100);
    return { a2: machine.harts[0].regs.x[A2], invalidations: machine.jit?.stats.invalidations ?? 0 };
  };
  const interpreted = outcome(false);
  const translated = outcome(true);
  // 150 rounds add 1, 150 add 5 (as long as the loop ran to its end).
  assert.equal(interpreted.a2, 900n);
  assert.equal(translated.a2, interpreted.a2);
  assert.ok(translated.invalidations > 0, 'the function’s page was translated and then written');
});

test('a block whose group straddles a page on every run is translated again without groups', () => {
  // 1: sd a0, 0(sp); sd a1, 8(sp); addi a0, a0, 1; addi t0, t0, -1; bne t0, zero, 1b; j .
  // with sp 8 bytes below a page end: the group's span [sp, sp + 16) crosses it every time.
  const program = Uint32Array.of(
    addi(T0, 0, 2000),
    sd(A0, SP, 0),
    sd(A1, SP, 8),
    addi(A0, A0, 1),
    addi(T0, T0, -1),
    bne(T0, 0, -16),
    0x0000006f,
  );
  const run = (jit: boolean) => {
    // Bursts of one instruction: the first translation starts at the 10th instruction (the
    // branch), so the loop's block holds both stores (an entry between them would split it).
    const m = machineWith(program, { clock: 'icount', jit, jitOptions: { hotThreshold: 10, burst: 1 } });
    m.harts[0].regs.x[SP] = BigInt(0x8000_9000 - 8);
    m.harts[0].regs.x[A1] = 7n;
    for (let k = 0; k < 5; k++) m.run(10_000);
    return m;
  };
  const reference = run(false);
  const m = run(true);
  const h = m.harts[0];
  assert.equal(h.regs.x[T0], 0n);
  assert.equal(h.regs.x[A0], reference.harts[0].regs.x[A0]);
  assert.equal(h.ram.i64[(0x9000 - 8) / 8], 1999n);
  assert.equal(h.ram.i64[0x9000 / 8], 7n);
  const stats = m.jit!.stats;
  // 32 exits at the group's first store, then the retranslation without groups runs the rest.
  assert.ok(stats.translations >= 2, JSON.stringify(stats));
  assert.ok(stats.exits < 100, `exits: ${stats.exits}`);
  assert.ok(stats.instructions > 5000, `translated: ${stats.instructions}`);
});

/**
 * An addmul-shaped loop (ld a2, 0(a0); addi a0, a0, 8; mul; add; sd a3, -8(a0)): one group whose
 * base moves between its load and its store, over 1,000 dwords from 0x800ff7f8, so across two
 * page ends, where the group's first access leaves and the interpreter runs the block.
 */
function movingBase(): Uint32Array {
  return Uint32Array.of(
    auipc(A0, 0xff), // a0 = 0x800ff000
    addi(A0, A0, 0x7f8),
    addi(T0, 0, 1000),
    addi(A1, 0, 3),
    ld(A2, A0, 0),
    addi(A0, A0, 8),
    encR(0x33, 0, 1, A3, A2, A1), // mul a3, a2, a1
    add(A3, A3, T0),
    sd(A3, A0, -8),
    addi(T0, T0, -1),
    bne(T0, 0, -24),
    0x0000006f,
  );
}

/** The loops below run over the 8,000 bytes from this RAM offset (0x800ff7f8), across two page ends. */
const LOOP_DATA = 0xff7f8;

/**
 * Run a loop program under one tier after `fill` has prepared RAM: its data, registers, fflags,
 * instructions retired and the JIT's statistics.
 */
function runLoop(program: Uint32Array, fill: (ram: Uint8Array) => void, instructions: number, jit: boolean) {
  const machine = machineWith(program, { jit, jitOptions: { hotThreshold: 50 } });
  fill(machine.ram.u8);
  machine.run(instructions);
  const h = machine.harts[0];
  return {
    data: [...machine.ram.u8.slice(LOOP_DATA, LOOP_DATA + 8000)],
    regs: [...h.regs.x].slice(0, 32),
    fflags: h.fpu.fflags,
    retired: h.retired(),
    stats: machine.jit?.stats,
  };
}

test('a group whose base moves between its load and store computes as interpreted, across pages', () => {
  const fill = (ram: Uint8Array) => {
    for (let i = 0; i < 8000; i++) ram[LOOP_DATA + i] = (i * 37 + 11) & 0xff;
  };
  const outcome = (jit: boolean) => runLoop(movingBase(), fill, 1000 * 7 + 100, jit);
  const interpreted = outcome(false);
  const translated = outcome(true);
  assert.deepEqual(translated.data, interpreted.data);
  assert.deepEqual(translated.regs, interpreted.regs);
  assert.equal(translated.retired, interpreted.retired);
  assert.equal(translated.regs[T0], 0n);
  assert.ok(
    translated.stats!.instructions > 5000,
    `${translated.stats!.instructions} instructions translated`,
  );
  assert.ok(translated.stats!.exits < 20, `exits: ${translated.stats!.exits}`);
});

/**
 * A read-modify-write group (lw a1, 4(a0); addi; sw a1, 4(a0)) run 300 times on a writable page,
 * then on a page that a locked PMP entry makes read-only in M-mode: the load must still run and
 * the store fault (mcause 7, mepc at the store, mtval its address). The group checks the write
 * TLB, which holds no entry for that page; a group checked on the read TLB (which has one: the
 * program reads the page first) would store unchecked.
 */
function readOnlyPage(): Uint32Array {
  const w: number[] = [];
  w.push(auipc(A0, 0x100)); // a0 = 0x80100000: writable
  w.push(auipc(S1, 0x200), addi(S1, S1, -4)); // s1 = 0x80200000: read-only below
  w.push(...li32(T1, (0x8020_0000 >>> 2) | 0x1ff)); // NAPOT, 4 KiB
  w.push(csr(1, 0, T1, 0x3b0)); // csrw pmpaddr0, t1
  w.push(addi(T2, 0, 0x99)); // L | NAPOT | R
  w.push(csr(1, 0, T2, 0x3a0)); // csrw pmpcfg0, t2
  const mtvec = w.length;
  w.push(auipc(T3, 0), addi(T3, T3, 0)); // patched below: the handler
  w.push(csr(1, 0, T3, 0x305)); // csrw mtvec, t3
  w.push(lw(T3, S1, 0)); // the read TLB now holds the read-only page
  w.push(addi(T0, 0, 300));
  const loop = w.length;
  w.push(lw(A1, A0, 4), addi(A1, A1, 1), sw(A1, A0, 4), addi(T0, T0, -1));
  w.push(bne(T0, 0, 4 * (loop - w.length)));
  w.push(addi(A0, S1, 0), addi(T0, 0, 300));
  w.push(encJ(0, 4 * (loop - w.length))); // j loop
  const handler = w.length;
  w.push(0x0000006f);
  w[mtvec + 1] = addi(T3, T3, 4 * (handler - mtvec));
  return Uint32Array.from(w);
}

test('a group that stores checks the write TLB: on a read-only page its load runs, its store faults', () => {
  const outcome = (jit: boolean) => {
    const machine = machineWith(readOnlyPage(), { jit, jitOptions: { hotThreshold: 50 } });
    machine.ram.i32[(0x200000 + 4) / 4] = 41;
    machine.run(300 * 5 + 200);
    const h = machine.harts[0];
    return {
      a1: h.regs.x[A1],
      csrs: [h.mcause, h.mepc, h.mtval],
      stored: [machine.ram.i32[(0x100000 + 4) / 4], machine.ram.i32[(0x200000 + 4) / 4]],
      translated: machine.jit?.stats.instructions ?? 0,
    };
  };
  const interpreted = outcome(false);
  const translated = outcome(true);
  assert.equal(interpreted.a1, 42n, 'the load ran');
  assert.deepEqual(interpreted.stored, [300, 41]);
  assert.equal(interpreted.csrs[0], 7n, 'store access fault');
  assert.equal(interpreted.csrs[2], 0x8020_0004n);
  assert.deepEqual(translated, { ...interpreted, translated: translated.translated });
  assert.ok(translated.translated > 1000, `${translated.translated} instructions translated`);
});

/**
 * A matmul-shaped loop of doubles (fld f4, 0(a0); fld f5, 0(a4); addi a0, 8; addi a4, 8;
 * fmadd.d f5, f3, f5, f4; fsd f5, -8(a0)) over 1,000 elements from 0x800ff7f8, across two page
 * ends: float accesses in a group whose base moves, float arithmetic between them.
 */
function floatLoop(): Uint32Array {
  return Uint32Array.of(
    lui(T0, 0x6), // mstatus.FS = Dirty
    csr(2, 0, T0, 0x300),
    auipc(A0, 0xff), // a0 = 0x800ff008
    addi(A0, A0, 0x7f8 - 8), // 0x800ff7f8
    auipc(A4, 0x200), // a4 = 0x80200010
    addi(A4, A4, -16), // 0x80200000
    fld(3, A4, -8), // f3: the factor, at 0x801ffff8
    addi(T0, 0, 1000),
    fld(4, A0, 0),
    fld(5, A4, 0),
    addi(A0, A0, 8),
    addi(A4, A4, 8),
    fmadd(5, 3, 5, 4),
    fsd(5, A0, -8),
    addi(T0, T0, -1),
    bne(T0, 0, -28),
    0x0000006f,
  );
}

test('float groups compute as interpreted, flags included, across pages', () => {
  const fill = (ram: Uint8Array) => {
    const view = new DataView(ram.buffer, ram.byteOffset);
    let x = 0.3;
    for (let i = 0; i < 1000; i++) {
      x = (x * 3.9 * (1 - x)) % 1; // logistic map: varied, inexact values
      view.setFloat64(LOOP_DATA + 8 * i, x * 1e3, true);
      view.setFloat64(0x200000 + 8 * i, 1 / (x + 0.5), true);
    }
    view.setFloat64(0x1ffff8, 1.1, true);
  };
  const outcome = (jit: boolean) => runLoop(floatLoop(), fill, 1000 * 8 + 100, jit);
  const interpreted = outcome(false);
  const translated = outcome(true);
  assert.equal(interpreted.regs[T0], 0n);
  assert.notEqual(interpreted.fflags, 0, 'inexact results');
  assert.deepEqual(translated.data, interpreted.data);
  assert.deepEqual(translated.regs, interpreted.regs);
  assert.equal(translated.fflags, interpreted.fflags);
  assert.equal(translated.retired, interpreted.retired);
  assert.ok(
    translated.stats!.instructions > 5000,
    `${translated.stats!.instructions} instructions translated`,
  );
  assert.ok(translated.stats!.exits < 20, `exits: ${translated.stats!.exits}`);
});
