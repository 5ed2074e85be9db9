import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUCTIONS } from './cpu/decode-table.js';
import { decodeInstruction, lookupPattern, trainDecoder } from './cpu/decoder.js';
import { expandCompressed } from './cpu/compressed.js';
import { Hart } from './cpu/hart.js';
import { Pmp } from './cpu/pmp.js';
import { runWarmUp, warmUpInterpreter, warmUpProgram, warmUpSweepPage } from './warm-up.js';
import { sweepInstructionWords } from './warm-up-program.js';

const PRIV_NAMES = ['U', 'S', '?', 'M'];

/** Call `observe` with the hart and cause of every exception raised while `body` runs. */
function onExceptions(observe: (h: Hart, cause: number) => void, body: () => void): void {
  const original = Hart.prototype.raiseException;
  Hart.prototype.raiseException = function (this: Hart, cause: number, tval: bigint | number) {
    observe(this, cause);
    original.call(this, cause, tval);
  };
  try {
    body();
  } finally {
    Hart.prototype.raiseException = original;
  }
}

/** Record (privilege, cause) of every exception raised while `body` runs. */
function recordExceptions(body: () => void): Map<string, number> {
  const seen = new Map<string, number>();
  onExceptions((h, cause) => {
    const key = `${PRIV_NAMES[h.priv]}:${cause}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }, body);
  return seen;
}

test('the training program sweeps in M, S (Sv57) and U mode, then passes', () => {
  const rounds = 3;
  let result: ReturnType<typeof runWarmUp> | undefined;
  const seen = recordExceptions(() => (result = runWarmUp(rounds)));
  assert.ok(result!.finished, 'reached the test finisher with pass');
  assert.equal(result!.sweeps, 3 * rounds);
  // Each sweep ends with an ecall from its mode: M (11), S (9), U (8), once per round.
  assert.equal(seen.get('M:11'), rounds);
  assert.equal(seen.get('S:9'), rounds);
  assert.equal(seen.get('U:8'), rounds);
  // Instructions ran in every mode, and some trapped as they must there: CSRs and ebreak in U
  // (illegal, breakpoint), device accesses from U through a supervisor-only page (page faults).
  for (const mode of ['M', 'S', 'U']) assert.ok((seen.get(`${mode}:3`) ?? 0) >= rounds, `ebreak in ${mode}`);
  assert.ok((seen.get('U:2') ?? 0) > (seen.get('M:2') ?? 0), 'more illegal instructions in U than in M');
  assert.ok((seen.get('U:13') ?? 0) >= rounds, 'a U-mode load faults on the supervisor page');
  // S reads the user gigapage only with sstatus.SUM: once without it, a page fault, per round.
  assert.equal(seen.get('S:13'), rounds, 'an S-mode load from a user page without SUM faults');
  assert.ok(result!.instructions > 3 * rounds * 300, `${result!.instructions} instructions`);
  assert.equal(result!.translated, 0, 'nothing is hot enough to be translated');
});

test('the S-mode sweep runs as Linux does under Sv57: code in the kernel image mapping, data in the linear map; U high in the user half', () => {
  const pcs: number[] = [];
  const data: bigint[] = [];
  const userPcs: number[] = [];
  onExceptions(
    (h) => {
      if (h.priv === 1) {
        pcs.push(h.pc);
        data.push(h.regs.x[10]); // the data pointer
      }
      if (h.priv === 0) userPcs.push(h.pc);
    },
    () => assert.ok(runWarmUp(1)!.finished),
  );
  assert.ok(pcs.length > 0, 'traps from S');
  // pc is kept signed: 0xffffffff80000000 and up is -2^31 and up.
  assert.ok(
    pcs.every((pc) => pc >= -(2 ** 31) && pc < 0),
    `S traps at ${pcs.map((pc) => pc.toString(16)).join(' ')}`,
  );
  // The data pointer: 0xff600000_8000xxxx (Sv57's linear map), a page number beyond 2^31.
  assert.ok(
    data.every((p) => BigInt.asUintN(64, p) >> 32n === 0xff600000n),
    `data at ${data.map((p) => BigInt.asUintN(64, p).toString(16)).join(' ')}`,
  );
  // U: RAM through the user gigapage at 0x7ff0_0000_0000 (its first 64 KiB hold the program).
  assert.ok(userPcs.length > 0, 'traps from U');
  assert.ok(
    userPcs.every((pc) => pc >= 0x7ff0_0000_0000 && pc < 0x7ff0_0001_0000),
    `U traps at ${userPcs.map((pc) => pc.toString(16)).join(' ')}`,
  );
});

test("the translator's training runs the same program, passing, part of it as translated code", () => {
  const rounds = 3;
  let result: ReturnType<typeof runWarmUp> | undefined;
  const seen = recordExceptions(() => (result = runWarmUp(rounds, 300)));
  assert.ok(result!.finished, 'reached the test finisher with pass');
  assert.equal(result!.sweeps, 3 * rounds);
  assert.equal(seen.get('U:8'), rounds);
  assert.ok(
    result!.translated > result!.instructions / 10,
    `${result!.translated} of ${result!.instructions}`,
  );
});

test('the sweep holds every instruction of the table and every compressed form', () => {
  const { code } = warmUpSweepPage();
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const names = new Set<string>();
  const compressedForms = new Set<string>();
  // The sweep's last instruction straddles into the next page: stop before it.
  for (let at = 0; at + 4 <= code.length;) {
    const half = view.getUint16(at, true);
    if (half === 0) {
      at += 2;
      continue;
    }
    if ((half & 3) === 3) {
      const p = lookupPattern(view.getUint32(at, true));
      if (p !== undefined) names.add(p.name);
      at += 4;
    } else {
      compressedForms.add(`q${half & 3}f${half >>> 13}`);
      const p = lookupPattern(expandCompressed(half));
      if (p !== undefined) names.add(p.name);
      at += 2;
    }
  }
  // mret, sret and wfi would leave the sweep; its closing ecall follows on the next page.
  const leavers = new Set(['mret', 'sret', 'wfi', 'ecall']);
  const missing = INSTRUCTIONS.filter((p) => !leavers.has(p.name) && !names.has(p.name)).map((p) => p.name);
  assert.deepEqual(missing, []);
  for (let quadrant = 0; quadrant < 3; quadrant++) {
    for (let funct3 = 0; funct3 < 8; funct3++) {
      if (quadrant === 0 && funct3 === 4) continue; // reserved
      assert.ok(
        compressedForms.has(`q${quadrant}f${funct3}`),
        `compressed quadrant ${quadrant} funct3 ${funct3}`,
      );
    }
  }
});

test('the training program is the same every time, and checks its rounds', () => {
  assert.deepEqual(warmUpProgram(2), warmUpProgram(2));
  assert.throws(() => warmUpProgram(0), RangeError);
  assert.throws(() => warmUpProgram(601), RangeError);
});

test('warmUpInterpreter runs once per process', () => {
  const first = warmUpInterpreter(1);
  assert.ok(first?.finished);
  assert.equal(warmUpInterpreter(1), undefined);
});

test('the sweep reads the CSRs firmware and Linux use, and writes some with their own value', () => {
  const page = warmUpSweepPage().code;
  const words = new Uint32Array(page.buffer, page.byteOffset, page.byteLength >>> 2);
  const reads = new Set<number>();
  const rewrites = new Set<number>();
  for (const w of words) {
    // csrrs (SYSTEM, funct3 2): rs1 = x0 reads only; another register writes (its value: zero).
    if ((w & 0x707f) !== 0x2073) continue;
    (((w >>> 15) & 31) === 0 ? reads : rewrites).add(w >>> 20);
  }
  // stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, sip, stimecmp, satp, mhartid,
  // mstatus, misa, medeleg, mideleg, mie, mtvec, mcounteren, menvcfg, mscratch, mepc, mcause,
  // mtval, mip, pmpcfg0, pmpaddr0, mcycle, time.
  for (const csr of [
    0x105, 0x106, 0x10a, 0x140, 0x141, 0x142, 0x143, 0x144, 0x14d, 0x180, 0xf14, 0x300, 0x301, 0x302, 0x303,
    0x304, 0x305, 0x306, 0x30a, 0x340, 0x341, 0x342, 0x343, 0x344, 0x3a0, 0x3b0, 0xb00, 0xc01,
  ]) {
    assert.ok(reads.has(csr), `reads CSR 0x${csr.toString(16)}`);
  }
  for (const csr of [0x100, 0x144, 0x14d, 0x300, 0x344])
    assert.ok(rewrites.has(csr), `writes CSR 0x${csr.toString(16)}`);
});

test('the training program sets PMP entries as OpenSBI does and loads beyond them from M and S', () => {
  const rounds = 2;
  const decisions = new Map<string, number>();
  const original = Pmp.prototype.check;
  Pmp.prototype.check = function (this: Pmp, address: number, size: number, perm: number, priv: number) {
    const allowed = original.call(this, address, size, perm, priv);
    const key = `${PRIV_NAMES[priv]}:${address >= 2 ** 32 ? 'beyond' : 'inside'}:${allowed}`;
    decisions.set(key, (decisions.get(key) ?? 0) + 1);
    return allowed;
  };
  let seen: Map<string, number>;
  try {
    seen = recordExceptions(() => assert.ok(runWarmUp(rounds).finished));
  } finally {
    Pmp.prototype.check = original;
  }
  // Inside the entries S and U pass; beyond them S fails (an access fault) and M passes, to
  // fault on the bus.
  for (const key of ['S:inside:true', 'U:inside:true', 'S:beyond:false', 'M:beyond:true'])
    assert.ok((decisions.get(key) ?? 0) >= 1, `${key} (${JSON.stringify([...decisions])})`);
  assert.ok((seen.get('M:5') ?? 0) >= rounds, 'M-mode load beyond RAM: access fault');
  assert.ok((seen.get('S:5') ?? 0) >= rounds, 'S-mode load beyond the PMP entries: access fault');
});

test('sweepInstructionWords lists the sweep page instruction by instruction', () => {
  const { code } = warmUpSweepPage();
  const words = sweepInstructionWords();
  let at = 0;
  for (const word of words) {
    const compressed = (word & 3) !== 3;
    const expected = compressed
      ? code[at] | (code[at + 1] << 8)
      : (code[at] | (code[at + 1] << 8) | (code[at + 2] << 16) | (code[at + 3] << 24)) >>> 0;
    assert.equal(word, expected, `at ${at}`);
    at += compressed ? 2 : 4;
  }
  assert.ok(at >= 4094, `the words cover the page (${at})`);
  // c.addi16sp both ways, clz/ctz, and sc.w/sc.d are among them.
  for (const bits of [0x6141, 0x717d]) assert.ok(words.includes(bits), bits.toString(16));
  const names = new Set(words.map((w) => decodeInstruction(w).name));
  for (const name of ['clz', 'ctz', 'sc.w', 'sc.d', 'slli', 'sraw']) assert.ok(names.has(name), name);
  // trainDecoder decodes them all without complaint.
  trainDecoder(words, 1);
});

test('sret and wfi trap in S (every other round: mstatus.TSR, TW) and U, run in S otherwise; M-mode passes a wfi', () => {
  const SRET = 0x10200073;
  const WFI = 0x10500073;
  const traps = new Map<string, number>();
  let supervisorReturns = 0;
  const original = Hart.prototype.raiseException;
  const originalReturn = Hart.prototype.returnFromSupervisor;
  Hart.prototype.returnFromSupervisor = function (this: Hart) {
    if (this.priv === 1) supervisorReturns++;
    originalReturn.call(this);
  };
  Hart.prototype.raiseException = function (this: Hart, cause: number, tval: bigint | number) {
    if (cause === 2 && (Number(tval) === SRET || Number(tval) === WFI)) {
      const key = `${PRIV_NAMES[this.priv]}:${Number(tval) === SRET ? 'sret' : 'wfi'}`;
      traps.set(key, (traps.get(key) ?? 0) + 1);
    }
    original.call(this, cause, tval);
  };
  let result: ReturnType<typeof runWarmUp>;
  try {
    result = runWarmUp(2);
  } finally {
    Hart.prototype.raiseException = original;
    Hart.prototype.returnFromSupervisor = originalReturn;
  }
  // Two rounds: S-mode has TSR and TW in one (both trap) and not in the other (both run).
  for (const key of ['S:sret', 'S:wfi']) assert.equal(traps.get(key), 1, key);
  for (const key of ['U:sret', 'U:wfi']) assert.equal(traps.get(key), 2, key);
  assert.equal(supervisorReturns, 1, 'one sret ran in S-mode');
  assert.equal(traps.get('M:wfi'), undefined, 'no wfi traps in M');
  // The M-mode wfi went on at once: the run reached the finisher with every sweep done.
  assert.ok(result.finished);
  assert.equal(result.sweeps, 6);
});
