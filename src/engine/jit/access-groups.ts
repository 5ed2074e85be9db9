// Loads and stores (integer and float) in one block through the same base register: one TLB
// check for all of them. The first access of a group checks that the whole span of the group's
// offsets lies on one page with a TLB entry, and keeps the entry's host addend in a local; the
// others only add it. A stack frame's saves and restores, a structure's fields, a
// read-modify-write, an unrolled copy: each is then one TLB lookup instead of one per access (~20
// machine instructions each under V8's baseline compiler).
//
// A group that stores checks the write TLB, also for its loads: an entry there means a RAM page
// the store's walk found writable, and W implies R: a PTE with W and not R is reserved and faults
// (privileged spec 10.3.1, mmu.ts), and pmpcfg clears W where R is clear (pmp.ts, WARL). Its span
// is then on one page that both loads and stores may use.
//
// The base may move by `addi base, base, k` inside a group (a loop's pointer increment between its
// load and store of one element): the later members' offsets are counted from the base's value at
// the first access, so the span still describes the addresses they use.
//
// Exactness: the group's first access leaves for the interpreter, before anything of the group
// has run, when the span is not on one mapped page (even if that first access alone would have
// been); the rest of the block then runs in the interpreter (jit.ts resumes mid-block), which does
// every access itself. Between the first access and the last, only instructions that cannot
// change the TLB are allowed: integer arithmetic and other loads and stores (a store to a page
// holding translated code misses the write TLB and leaves). A span is at most MAX_SPAN bytes, so
// that a group rarely straddles a page (a block that always did would always run in the
// interpreter).

import type { DecodedInstruction } from '../cpu/decoder.js';
import { Op } from '../cpu/opcodes.js';
import { ARITHMETIC } from './op-classes.js';

/**
 * A group's first access: the span [base + lo, base + lo + span), its local's slot, and whether
 * the group stores (its check is then on the write TLB).
 */
export interface GroupLead {
  lead: true;
  lo: number;
  span: number;
  slot: number;
  store: boolean;
}

/** A later access of a group: the slot of the local holding its addend. */
export interface GroupFollower {
  lead: false;
  slot: number;
}

export type AccessPlan = GroupLead | GroupFollower | undefined;

/** Locals for groups' addends (groups of different bases may interleave). */
export const GROUP_SLOTS = 4;
const MAX_SPAN = 256;

/** By operation: the access width of an integer load or store, 0 for anything else. */
const WIDTH = new Uint8Array(Op.COUNT);
for (const [op, width] of [
  [Op.LB, 1],
  [Op.LBU, 1],
  [Op.LH, 2],
  [Op.LHU, 2],
  [Op.LW, 4],
  [Op.LWU, 4],
  [Op.LD, 8],
  [Op.SB, 1],
  [Op.SH, 2],
  [Op.SW, 4],
  [Op.SD, 8],
  [Op.FLW, 4],
  [Op.FLD, 8],
  [Op.FSW, 4],
  [Op.FSD, 8],
] as const) {
  WIDTH[op] = width;
}
const STORE = new Uint8Array(Op.COUNT);
for (const op of [Op.SB, Op.SH, Op.SW, Op.SD, Op.FSW, Op.FSD]) STORE[op] = 1;
/** The access width of a plain load or store, integer or float (0 for any other operation). */
export function accessWidth(op: Op): number {
  return WIDTH[op];
}
/** Whether a plain load or store (see accessWidth) stores. */
export function isStore(op: Op): boolean {
  return STORE[op] === 1;
}

/**
 * By operation: 1 for what may lie between a group's accesses (see below): integer arithmetic
 * and the computational float instructions (registers only; an exit mid-way, as the float unit's
 * slow paths take, is fine: the interpreter then does the group's remaining accesses itself).
 */
const BETWEEN = new Uint8Array(Op.COUNT);
for (const op of ARITHMETIC) BETWEEN[op] = 1;
BETWEEN[Op.FP] = 1;

/**
 * Whether `d` may write integer register `r`: its rd, except for float loads, which write a float
 * register (a computational float instruction's rd may name either file: counted, to be safe).
 */
function writesInteger(d: DecodedInstruction, r: number): boolean {
  return d.rd === r && d.op !== Op.FLW && d.op !== Op.FLD;
}

/** Plans of a block without two accesses: nothing grouped (read-only). */
export const NO_PLANS: readonly AccessPlan[] = [];

/** The plan for each instruction of a block's body (undefined: an access checked on its own). */
export function planAccessGroups(body: readonly DecodedInstruction[]): readonly AccessPlan[] {
  let accesses = 0;
  for (const d of body) if (WIDTH[d.op] !== 0) accesses++;
  if (accesses < 2) return NO_PLANS;
  const plans: AccessPlan[] = new Array<AccessPlan>(body.length).fill(undefined);
  // Per slot, the last instruction of the group using it (-1: free).
  const busyUntil = new Int32Array(GROUP_SLOTS).fill(-1);
  const members: number[] = [];
  for (let j = 0; j < body.length; j++) {
    const first = body[j];
    const size = WIDTH[first.op];
    if (plans[j] !== undefined || size === 0 || first.rs1 === 0) continue;
    let store = STORE[first.op] === 1;
    const base = first.rs1;
    let lo = first.imm;
    let hi = first.imm + size;
    // What the base register has gained since the first access (by addi base, base, k).
    let moved = 0;
    members.length = 0;
    members.push(j);
    // A load into its own base register ends the group at once.
    if (!writesInteger(first, base)) {
      for (let i = j + 1; i < body.length; i++) {
        const d = body[i];
        const width = WIDTH[d.op];
        // Only arithmetic between: it touches neither memory nor the TLB.
        if (width === 0 && BETWEEN[d.op] === 0) break;
        if (width !== 0 && d.rs1 === base && plans[i] === undefined) {
          const nlo = Math.min(lo, moved + d.imm);
          const nhi = Math.max(hi, moved + d.imm + width);
          if (nhi - nlo <= MAX_SPAN) {
            members.push(i);
            lo = nlo;
            hi = nhi;
            if (STORE[d.op] === 1) store = true;
          }
        }
        if (writesInteger(d, base)) {
          if (d.op !== Op.ADDI || d.rs1 !== base) break;
          moved += d.imm;
        }
      }
    }
    if (members.length < 2) continue;
    let slot = 0;
    while (slot < GROUP_SLOTS && busyUntil[slot] >= j) slot++;
    if (slot === GROUP_SLOTS) continue;
    busyUntil[slot] = members[members.length - 1];
    plans[j] = { lead: true, lo, span: hi - lo, slot, store };
    for (let m = 1; m < members.length; m++) plans[members[m]] = { lead: false, slot };
  }
  return plans;
}
