// The dispatcher: one small WebAssembly function that chains page functions without returning to
// JavaScript. From the pc in the exit record it finds the page through the fetch TLB (the
// interpreter's, in the hart's state block), the page's translation through the code index (one
// i32 table slot per RAM page), and calls it with call_indirect; it repeats while translated code
// ends with a plain jump. Anything else (a TLB miss, a page without code, an exit that needs the
// interpreter) returns to the runtime in jit.ts. JavaScript thus calls one function only, which
// keeps V8's JS-to-wasm call monomorphic and cheap.
//
// dispatch(state i32, budget i32, dataSet i32, fetchSet i32) -> i32 (the unused budget)
// The exit record (HART_STATE.EXIT_PC/EXIT_KIND) holds the pc on entry and the exit on return.

import { HART_STATE } from '../cpu/hart-state.js';
import { TLB_ENTRIES } from '../cpu/tlb-size.js';
import { buildModule, FunctionWriter, moduleFunction, ValType, W } from './wasm-writer.js';
import { PAGE_TYPE, EXIT_JUMP } from './translate.js';

export function buildDispatcher(codeIndexOffset: number): Uint8Array {
  const P_STATE = 0;
  const P_N = 1;
  const P_DATASET = 2;
  const P_FETCHSET = 3;
  const f = new FunctionWriter(4);
  const pc = f.local(ValType.I64);
  const vpn = f.local(ValType.I64);
  const i = f.local(ValType.I32);
  const slot = f.local(ValType.I32);
  f.open(W.BLOCK, 'out');
  f.open(W.LOOP, 'next');
  f.get(P_STATE);
  f.mem(W.I64_LOAD, HART_STATE.EXIT_PC, 3);
  f.tee(pc);
  // Fetch TLB: entry fetchSet + (vpn mod TLB_ENTRIES), tag = vpn as a double.
  f.i64(12);
  f.op(W.I64_SHR_S);
  f.tee(vpn);
  f.op(W.I32_WRAP_I64);
  f.i32(TLB_ENTRIES - 1);
  f.op(W.I32_AND);
  f.get(P_FETCHSET);
  f.op(W.I32_ADD);
  f.set(i);
  f.get(i);
  f.i32(3);
  f.op(W.I32_SHL);
  f.get(P_STATE);
  f.op(W.I32_ADD);
  f.mem(W.F64_LOAD, HART_STATE.TLB_EXEC_TAG, 3);
  f.get(vpn);
  f.op(W.F64_CONVERT_I64_S);
  f.op(W.F64_EQ);
  f.op(W.I32_EQZ);
  f.brIf('out');
  // Code index of the RAM page.
  f.get(i);
  f.i32(2);
  f.op(W.I32_SHL);
  f.get(P_STATE);
  f.op(W.I32_ADD);
  f.mem(W.I32_LOAD, HART_STATE.TLB_EXEC_OFFSET, 2);
  f.i32(12);
  f.op(W.I32_SHR_U);
  f.i32(2);
  f.op(W.I32_SHL);
  f.mem(W.I32_LOAD, codeIndexOffset, 2);
  f.tee(slot);
  f.op(W.I32_EQZ);
  f.brIf('out');
  // run(entry = offset / 2, vbase, budget, state, dataSet)
  f.get(pc);
  f.op(W.I32_WRAP_I64);
  f.i32(0xfff);
  f.op(W.I32_AND);
  f.i32(1);
  f.op(W.I32_SHR_U);
  f.get(pc);
  f.i64(-4096);
  f.op(W.I64_AND);
  f.get(P_N);
  f.get(P_STATE);
  f.get(P_DATASET);
  f.get(slot);
  f.callIndirect(0);
  f.set(P_N);
  f.get(P_STATE);
  f.mem(W.I32_LOAD, HART_STATE.EXIT_KIND, 2);
  f.i32(EXIT_JUMP);
  f.op(W.I32_NE);
  f.brIf('out');
  f.get(P_N);
  f.i32(0);
  f.op(W.I32_GT_S);
  f.brIf('next');
  f.end();
  f.end();
  f.get(P_N);
  const dispatchType = {
    params: [ValType.I32, ValType.I32, ValType.I32, ValType.I32],
    results: [ValType.I32],
  };
  return buildModule([PAGE_TYPE, dispatchType], [moduleFunction(1, f.body(), 'dispatch')], true);
}
