// A small WebAssembly binary writer: just what the translator emits (WebAssembly core spec 2.0,
// chapter 5 "Binary Format"). Structured control is tracked by name so the translator writes
// `br(label)` and the writer computes the relative depth.

import { MAX_WASM_PAGES, SHARED_MEMORY } from '../cpu/hart-state.js';

/** Value types (spec 5.3.1). */
export const enum ValType {
  I32 = 0x7f,
  I64 = 0x7e,
  F64 = 0x7c,
}

/** Opcodes used by the translator (spec 5.4). */
export const enum W {
  UNREACHABLE = 0x00,
  BLOCK = 0x02,
  LOOP = 0x03,
  IF = 0x04,
  ELSE = 0x05,
  END = 0x0b,
  BR = 0x0c,
  BR_IF = 0x0d,
  BR_TABLE = 0x0e,
  RETURN = 0x0f,
  CALL = 0x10,
  CALL_INDIRECT = 0x11,
  DROP = 0x1a,
  SELECT = 0x1b,
  LOCAL_GET = 0x20,
  LOCAL_SET = 0x21,
  LOCAL_TEE = 0x22,
  I32_LOAD = 0x28,
  I64_LOAD = 0x29,
  F64_LOAD = 0x2b,
  I32_LOAD8_U = 0x2d,
  I32_LOAD16_U = 0x2f,
  I64_LOAD8_S = 0x30,
  I64_LOAD8_U = 0x31,
  I64_LOAD16_S = 0x32,
  I64_LOAD16_U = 0x33,
  I64_LOAD32_S = 0x34,
  I64_LOAD32_U = 0x35,
  I32_STORE = 0x36,
  I64_STORE = 0x37,
  F64_STORE = 0x39,
  I64_STORE8 = 0x3c,
  I64_STORE16 = 0x3d,
  I64_STORE32 = 0x3e,
  I32_CONST = 0x41,
  I64_CONST = 0x42,
  F64_CONST = 0x44,
  I32_EQZ = 0x45,
  I32_EQ = 0x46,
  I32_NE = 0x47,
  I32_LT_S = 0x48,
  I32_LT_U = 0x49,
  I32_GT_S = 0x4a,
  I32_GT_U = 0x4b,
  I32_LE_U = 0x4d,
  I32_GE_U = 0x4f,
  I64_EQZ = 0x50,
  I64_EQ = 0x51,
  I64_NE = 0x52,
  I64_LT_S = 0x53,
  I64_LT_U = 0x54,
  I64_GT_S = 0x55,
  I64_GT_U = 0x56,
  I64_GE_S = 0x59,
  I64_GE_U = 0x5a,
  F64_EQ = 0x61,
  F64_NE = 0x62,
  F64_LT = 0x63,
  F64_LE = 0x65,
  F64_GE = 0x66,
  F64_ABS = 0x99,
  F64_NEG = 0x9a,
  F64_ADD = 0xa0,
  F64_SUB = 0xa1,
  F64_MUL = 0xa2,
  F64_DIV = 0xa3,
  F64_SQRT = 0x9f,
  I32_CLZ = 0x67,
  I32_CTZ = 0x68,
  I32_POPCNT = 0x69,
  I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_MUL = 0x6c,
  I32_DIV_S = 0x6d,
  I32_DIV_U = 0x6e,
  I32_REM_S = 0x6f,
  I32_REM_U = 0x70,
  I32_AND = 0x71,
  I32_OR = 0x72,
  I32_XOR = 0x73,
  I32_SHL = 0x74,
  I32_SHR_S = 0x75,
  I32_SHR_U = 0x76,
  I32_ROTL = 0x77,
  I32_ROTR = 0x78,
  I64_CLZ = 0x79,
  I64_CTZ = 0x7a,
  I64_POPCNT = 0x7b,
  I64_ADD = 0x7c,
  I64_SUB = 0x7d,
  I64_MUL = 0x7e,
  I64_DIV_S = 0x7f,
  I64_DIV_U = 0x80,
  I64_REM_S = 0x81,
  I64_REM_U = 0x82,
  I64_AND = 0x83,
  I64_OR = 0x84,
  I64_XOR = 0x85,
  I64_SHL = 0x86,
  I64_SHR_S = 0x87,
  I64_SHR_U = 0x88,
  I64_ROTL = 0x89,
  I64_ROTR = 0x8a,
  I32_WRAP_I64 = 0xa7,
  I64_EXTEND_I32_S = 0xac,
  I64_EXTEND_I32_U = 0xad,
  I64_TRUNC_F64_S = 0xb0,
  F64_CONVERT_I32_S = 0xb7,
  F64_CONVERT_I32_U = 0xb8,
  F64_CONVERT_I64_S = 0xb9,
  F64_CONVERT_I64_U = 0xba,
  I64_REINTERPRET_F64 = 0xbd,
  F64_REINTERPRET_I64 = 0xbf,
  I64_EXTEND8_S = 0xc2,
  I64_EXTEND16_S = 0xc3,
  I64_EXTEND32_S = 0xc4,
}

/** A growable byte buffer with LEB128 (spec 5.2.2). */
export class ByteWriter {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
  }
  byte(b: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
  }

  private grow(extra: number): void {
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  u32(value: number): void {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }

  s32(value: number): void {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit value given as a bigint, or as a number when it is a safe integer. */
  s64(value: bigint | number): void {
    // A 32-bit value has the same signed LEB128 in both widths (most immediates).
    if (typeof value === 'number' && (value | 0) === value) {
      this.s32(value);
      return;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      let v = value;
      for (;;) {
        const b = ((v % 128) + 128) % 128;
        v = (v - b) / 128;
        if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
          this.byte(b);
          return;
        }
        this.byte(b | 0x80);
      }
    }
    let v = BigInt.asIntN(64, BigInt(value));
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  f64(value: number): void {
    const tmp = new DataView(new ArrayBuffer(8));
    tmp.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.byte(tmp.getUint8(i));
  }

  append(other: ByteWriter): void {
    if (this.length + other.length > this.bytes.length) this.grow(other.length);
    this.bytes.set(other.bytes.subarray(0, other.length), this.length);
    this.length += other.length;
  }

  /** A byte vector: length, then the bytes. */
  vector(other: ByteWriter): void {
    this.u32(other.length);
    this.append(other);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Emits one function body, keeping the stack of open control labels. */
export class FunctionWriter {
  readonly code: ByteWriter;
  private readonly labels: (string | null)[] = [];
  /** Stack position of each open named label (names are unique while open). */
  private readonly labelAt = new Map<string, number>();
  private readonly locals: ValType[] = [];

  /** `code` may be a reused scratch buffer: body() copies the bytes out. */
  constructor(
    readonly paramCount: number,
    code: ByteWriter = new ByteWriter(4096),
  ) {
    code.length = 0;
    this.code = code;
  }

  /** Declare a local; returns its index (after the parameters). */
  local(type: ValType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  op(opcode: W): void {
    this.code.byte(opcode);
  }

  i32(value: number): void {
    this.code.byte(W.I32_CONST);
    this.code.s32(value);
  }

  f64(value: number): void {
    this.code.byte(W.F64_CONST);
    this.code.f64(value);
  }

  i64(value: bigint | number): void {
    this.code.byte(W.I64_CONST);
    this.code.s64(value);
  }

  get(local: number): void {
    this.code.byte(W.LOCAL_GET);
    this.code.u32(local);
  }

  set(local: number): void {
    this.code.byte(W.LOCAL_SET);
    this.code.u32(local);
  }

  tee(local: number): void {
    this.code.byte(W.LOCAL_TEE);
    this.code.u32(local);
  }

  /** A load or store with its memarg: alignment hint (log2) and constant offset. */
  mem(opcode: W, offset: number, alignLog2 = 0): void {
    this.code.byte(opcode);
    this.code.u32(alignLog2);
    this.code.u32(offset);
  }

  call(index: number): void {
    this.code.byte(W.CALL);
    this.code.u32(index);
  }

  /** call_indirect through table 0 with the given type index. */
  callIndirect(typeIndex: number): void {
    this.code.byte(W.CALL_INDIRECT);
    this.code.u32(typeIndex);
    this.code.byte(0);
  }

  /** Open a block/loop/if with no result; `label` names it for br. */
  open(kind: W.BLOCK | W.LOOP | W.IF, label: string | null = null): void {
    this.code.byte(kind);
    this.code.byte(0x40);
    if (label !== null) {
      if (this.labelAt.has(label)) throw new Error(`wasm writer: label ${label} is already open`);
      this.labelAt.set(label, this.labels.length);
    }
    this.labels.push(label);
  }

  else(): void {
    this.code.byte(W.ELSE);
  }

  end(): void {
    if (this.labels.length === 0) throw new Error('wasm writer: end without an open block');
    const label = this.labels.pop();
    if (label !== null && label !== undefined) this.labelAt.delete(label);
    this.code.byte(W.END);
  }

  private depth(label: string): number {
    const i = this.labelAt.get(label);
    if (i === undefined) throw new Error(`wasm writer: no open label ${label}`);
    return this.labels.length - 1 - i;
  }

  br(label: string): void {
    this.code.byte(W.BR);
    this.code.u32(this.depth(label));
  }

  brIf(label: string): void {
    this.code.byte(W.BR_IF);
    this.code.u32(this.depth(label));
  }

  brTable(targets: string[], fallback: string): void {
    // Many entries name the same few labels: look each label up once.
    const depths = new Map<string, number>();
    const depthOf = (label: string) => {
      let d = depths.get(label);
      if (d === undefined) {
        d = this.depth(label);
        depths.set(label, d);
      }
      return d;
    };
    this.code.byte(W.BR_TABLE);
    this.code.u32(targets.length);
    for (const t of targets) this.code.u32(depthOf(t));
    this.code.u32(depthOf(fallback));
  }

  /** The encoded body: local declarations (run-length grouped), code, final end. */
  body(): ByteWriter {
    if (this.labels.length !== 0) throw new Error('wasm writer: unclosed blocks');
    const out = new ByteWriter(this.code.length + 64);
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    out.u32(groups.length);
    for (const [count, type] of groups) {
      out.u32(count);
      out.byte(type);
    }
    out.append(this.code);
    out.byte(W.END);
    return out;
  }
}

export interface FunctionType {
  params: ValType[];
  results: ValType[];
}

/**
 * V8's compilation hint asking for its optimizing compiler (TurboFan) alone: one byte per function
 * in a custom section named "compilationHints" (strategy in bits 0-1, baseline tier in bits 2-3,
 * top tier in bits 4-5; tier 2 = optimized). Strategy 1, lazy: the function is compiled at its
 * first call, on the calling thread (the translation worker calls it once, at low priority:
 * host/translation-worker-main.ts); eager (2) hands the work to V8's background threads, shared
 * by the whole process at normal priority. V8 reads the section only with
 * --experimental-wasm-compilation-hints (host/v8-tiers.ts sets it), and then even under
 * --liftoff-only: hinted modules get TurboFan, all others Liftoff. Any other engine skips the
 * custom section (core spec 5.5.3) and compiles the module as usual.
 */
export const HINT_OPTIMIZED = 1 | (2 << 2) | (2 << 4);

/** A function of a module being built: its type index, body and export name (null: none). */
export interface ModuleFunction {
  type: number;
  body: ByteWriter;
  exportName: string | null;
}

/**
 * A module's function, always made here: every one then has the same V8 map (hidden class), so the
 * translator's optimized code meets one shape (an object literal in one place and a spread copy in
 * another had two, and buildModule deoptimized on the second: "wrong map").
 */
export function moduleFunction(type: number, body: ByteWriter, exportName: string | null): ModuleFunction {
  return { type, body, exportName };
}

/**
 * A module importing one memory ("env"."memory"), with `table` a function table ("env"."table"),
 * and the functions `functionImports` ("env".name, by type index; they take the first function
 * indices), and exporting its own functions by name. Functions are given as (type index, body,
 * export name or null). `hint`: a compilation hint byte for every function (see HINT_OPTIMIZED).
 */
export function buildModule(
  types: FunctionType[],
  functions: ModuleFunction[],
  table = false,
  functionImports: { name: string; type: number }[] = [],
  hint?: number,
): Uint8Array {
  const out = new ByteWriter(functions.reduce((n, f) => n + f.body.length, 0) + 1024);
  for (const b of [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) out.byte(b);
  const section = (id: number, content: ByteWriter) => {
    out.byte(id);
    out.vector(content);
  };
  const typeSec = new ByteWriter();
  typeSec.u32(types.length);
  for (const t of types) {
    typeSec.byte(0x60);
    typeSec.u32(t.params.length);
    for (const p of t.params) typeSec.byte(p);
    typeSec.u32(t.results.length);
    for (const r of t.results) typeSec.byte(r);
  }
  section(1, typeSec);
  const importSec = new ByteWriter();
  const name = (text: string) => {
    importSec.u32(text.length);
    for (let i = 0; i < text.length; i++) importSec.byte(text.charCodeAt(i));
  };
  importSec.u32(1 + (table ? 1 : 0) + functionImports.length);
  for (const fi of functionImports) {
    name('env');
    name(fi.name);
    importSec.byte(0x00); // function
    importSec.u32(fi.type);
  }
  name('env');
  name('memory');
  importSec.byte(0x02); // memory
  if (SHARED_MEMORY) {
    // A shared memory's import must say so and give a maximum (threads proposal: limits flag 3).
    importSec.byte(0x03);
    importSec.u32(0);
    importSec.u32(MAX_WASM_PAGES);
  } else {
    importSec.byte(0x00); // limits: min only
    importSec.u32(0);
  }
  if (table) {
    name('env');
    name('table');
    importSec.byte(0x01); // table
    importSec.byte(0x70); // funcref
    importSec.byte(0x00); // limits: min only
    importSec.u32(0);
  }
  section(2, importSec);
  const funcSec = new ByteWriter();
  funcSec.u32(functions.length);
  for (const f of functions) funcSec.u32(f.type);
  section(3, funcSec);
  const first = functionImports.length;
  let exports = 0;
  for (const f of functions) if (f.exportName !== null) exports++;
  const exportSec = new ByteWriter();
  exportSec.u32(exports);
  functions.forEach(({ exportName }, i) => {
    if (exportName === null) return;
    exportSec.u32(exportName.length);
    for (let k = 0; k < exportName.length; k++) exportSec.byte(exportName.charCodeAt(k));
    exportSec.byte(0x00);
    exportSec.u32(first + i);
  });
  section(7, exportSec);
  if (hint !== undefined) {
    // V8 wants the hints after the function section and before the code section.
    const hints = new ByteWriter();
    const sectionName = 'compilationHints';
    hints.u32(sectionName.length);
    for (let i = 0; i < sectionName.length; i++) hints.byte(sectionName.charCodeAt(i));
    hints.u32(functions.length);
    for (let i = 0; i < functions.length; i++) hints.byte(hint);
    section(0, hints);
  }
  const codeSec = new ByteWriter(functions.reduce((n, f) => n + f.body.length + 8, 0));
  codeSec.u32(functions.length);
  for (const f of functions) codeSec.vector(f.body);
  section(10, codeSec);
  return out.finish();
}
