// Flattened device tree (DTB) writer and reader, Devicetree Specification v0.4 chapter 5.
// Layout written: header | memory reservation block | structure block | strings block.
// All values in the blob are big-endian (DT spec 5.1).

export class FdtError extends Error {}

const FDT_MAGIC = 0xd00dfeed;
const FDT_VERSION = 17;
/** Oldest version this blob stays backwards compatible with (DT spec 5.2: 16 for version 17). */
const FDT_LAST_COMP_VERSION = 16;
const FDT_HEADER_SIZE = 40;
const FDT_BEGIN_NODE = 0x1;
const FDT_END_NODE = 0x2;
const FDT_PROP = 0x3;
const FDT_NOP = 0x4;
const FDT_END = 0x9;

// DT spec 2.2.1 (node names) and 2.2.4 (property names): allowed characters and 31-char limit.
const NODE_NAME = /^[0-9a-zA-Z,._+-]{1,31}(@[0-9a-zA-Z,._+-]+)?$/;
const PROPERTY_NAME = /^[0-9a-zA-Z,._+?#-]{1,31}$/;

export interface FdtProperty {
  readonly name: string;
  readonly value: Uint8Array;
}

export interface FdtReservation {
  readonly address: bigint;
  readonly size: bigint;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new FdtError(`${what}: invalid UTF-8`);
  }
}

function toU64(value: number | bigint, what: string): bigint {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn)
    throw new FdtError(`${what}: ${value} is not a 64-bit unsigned value`);
  return v;
}

function nulTerminated(strings: readonly string[], what: string): Uint8Array {
  const parts = strings.map((s) => {
    if (s.includes('\0')) throw new FdtError(`${what}: string contains NUL`);
    return textEncoder.encode(s);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1;
  }
  return out;
}

/** A device-tree node: properties in insertion order, then children in insertion order. */
export class FdtNode {
  readonly children: FdtNode[] = [];
  private readonly props = new Map<string, Uint8Array>();

  constructor(readonly name: string) {
    if (name !== '' && !NODE_NAME.test(name)) throw new FdtError(`invalid node name "${name}"`);
  }

  get properties(): FdtProperty[] {
    return [...this.props].map(([name, value]) => ({ name, value }));
  }

  /** Append a new child node; names must be unique among siblings (DT spec 2.2.1). */
  addChild(name: string): FdtNode {
    if (this.getChild(name) !== undefined)
      throw new FdtError(`duplicate node "${name}" under "${this.name}"`);
    const child = new FdtNode(name);
    this.children.push(child);
    return child;
  }

  getChild(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** The node at a path relative to this one, e.g. `soc/serial@10000000`. */
  find(path: string): FdtNode | undefined {
    return path
      .split('/')
      .filter((part) => part !== '')
      .reduce<FdtNode | undefined>((node, part) => node?.getChild(part), this);
  }

  /** Set (or replace) a property with raw bytes. */
  setBytes(name: string, value: Uint8Array): this {
    if (!PROPERTY_NAME.test(name)) throw new FdtError(`invalid property name "${name}"`);
    this.props.set(name, value.slice());
    return this;
  }

  /** A property without a value (a boolean such as `interrupt-controller` or `ranges`). */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }

  /** One or more 32-bit cells. */
  setU32(name: string, ...cells: number[]): this {
    const bytes = new Uint8Array(cells.length * 4);
    const view = new DataView(bytes.buffer);
    cells.forEach((cell, i) => {
      if (!Number.isInteger(cell) || cell < 0 || cell > 0xffff_ffff) {
        throw new FdtError(`${name}: ${cell} is not a 32-bit unsigned cell`);
      }
      view.setUint32(i * 4, cell);
    });
    return this.setBytes(name, bytes);
  }

  /** One or more 64-bit values, each as two cells (high first). */
  setU64(name: string, ...values: (number | bigint)[]): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigUint64(i * 8, toU64(v, name)));
    return this.setBytes(name, bytes);
  }

  setString(name: string, value: string): this {
    return this.setBytes(name, nulTerminated([value], name));
  }

  /** A `<stringlist>`: NUL-terminated strings concatenated (DT spec 2.2.4.1). */
  setStrings(name: string, values: readonly string[]): this {
    return this.setBytes(name, nulTerminated(values, name));
  }

  getBytes(name: string): Uint8Array | undefined {
    return this.props.get(name);
  }

  has(name: string): boolean {
    return this.props.has(name);
  }

  /** All cells of a property as 32-bit numbers; undefined when absent. */
  getU32s(name: string): number[] | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined) return undefined;
    if (bytes.length % 4 !== 0) throw new FdtError(`${name}: length ${bytes.length} is not a multiple of 4`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4));
  }

  getU32(name: string): number | undefined {
    return this.getU32s(name)?.[0];
  }

  /** All values of a property read as 64-bit pairs of cells. */
  getU64s(name: string): bigint[] | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined) return undefined;
    if (bytes.length % 8 !== 0) throw new FdtError(`${name}: length ${bytes.length} is not a multiple of 8`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.length / 8 }, (_, i) => view.getBigUint64(i * 8));
  }

  getStrings(name: string): string[] | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined) return undefined;
    if (bytes.length === 0 || bytes[bytes.length - 1] !== 0) {
      throw new FdtError(`${name}: not a NUL-terminated string list`);
    }
    return decodeText(bytes.subarray(0, bytes.length - 1), name).split('\0');
  }

  getString(name: string): string | undefined {
    return this.getStrings(name)?.[0];
  }
}

/** Growable big-endian byte buffer. */
class ByteSink {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  align(to: number): void {
    const pad = (to - (this.length % to)) % to;
    this.reserve(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A whole device tree: the root node, phandle allocation and the memory reservation block. */
export class DeviceTree {
  readonly root = new FdtNode('');
  readonly reservations: FdtReservation[] = [];
  /** Physical id of the boot CPU, stored in the header (DT spec 5.2 boot_cpuid_phys). */
  bootCpuId = 0;
  private nextPhandle = 1;
  private readonly phandles = new Map<FdtNode, number>();

  /**
   * The node's phandle, allocating one (and its `phandle` property) on first use.
   * Phandles are unique non-zero 32-bit values (DT spec 2.3.3).
   */
  phandle(node: FdtNode): number {
    let handle = this.phandles.get(node);
    if (handle === undefined) {
      handle = this.nextPhandle++;
      this.phandles.set(node, handle);
      node.setU32('phandle', handle);
    }
    return handle;
  }

  /** Reserve physical memory the OS must not use (DT spec 5.3), e.g. firmware. */
  addReservation(address: number | bigint, size: number | bigint): void {
    this.reservations.push({
      address: toU64(address, 'reservation address'),
      size: toU64(size, 'reservation size'),
    });
  }

  /** Serialize to a version-17 DTB. */
  toBlob(): Uint8Array {
    const strings = new ByteSink();
    const stringOffsets = new Map<string, number>();
    const nameOffset = (name: string): number => {
      let offset = stringOffsets.get(name);
      if (offset === undefined) {
        offset = strings.length;
        strings.raw(nulTerminated([name], 'property name'));
        stringOffsets.set(name, offset);
      }
      return offset;
    };

    const structure = new ByteSink();
    const emit = (node: FdtNode): void => {
      structure.u32(FDT_BEGIN_NODE);
      structure.raw(nulTerminated([node.name], 'node name'));
      structure.align(4);
      for (const { name, value } of node.properties) {
        structure.u32(FDT_PROP);
        structure.u32(value.length);
        structure.u32(nameOffset(name));
        structure.raw(value);
        structure.align(4);
      }
      for (const child of node.children) emit(child);
      structure.u32(FDT_END_NODE);
    };
    emit(this.root);
    structure.u32(FDT_END);

    // DT spec 5.3.1: the reservation block is 8-byte aligned and ends with a zero entry.
    const reserveOffset = FDT_HEADER_SIZE;
    const structOffset = reserveOffset + (this.reservations.length + 1) * 16;
    const stringsOffset = structOffset + structure.length;
    const totalSize = stringsOffset + strings.length;

    const out = new ByteSink();
    for (const field of [
      FDT_MAGIC,
      totalSize,
      structOffset,
      stringsOffset,
      reserveOffset,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      this.bootCpuId,
      strings.length,
      structure.length,
    ]) {
      out.u32(field);
    }
    for (const r of this.reservations) {
      out.u64(r.address);
      out.u64(r.size);
    }
    out.u64(0n);
    out.u64(0n);
    out.raw(structure.result());
    out.raw(strings.result());
    return out.result();
  }
}

/** A parsed DTB. */
export interface ParsedFdt {
  readonly root: FdtNode;
  readonly reservations: FdtReservation[];
  readonly bootCpuId: number;
  readonly version: number;
}

/** Parse a DTB (version 16 or later), validating every offset; throws FdtError on malformed input. */
export function readFdt(blob: Uint8Array): ParsedFdt {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < FDT_HEADER_SIZE) throw new FdtError('blob shorter than the FDT header');
  const header = (i: number): number => view.getUint32(i * 4);
  if (header(0) !== FDT_MAGIC) throw new FdtError('bad FDT magic');
  const totalSize = header(1);
  const structOffset = header(2);
  const stringsOffset = header(3);
  const reserveOffset = header(4);
  const version = header(5);
  const stringsSize = header(8);
  const structSize = header(9);
  if (totalSize > blob.length)
    throw new FdtError(`totalsize ${totalSize} exceeds blob length ${blob.length}`);
  if (version < 16) throw new FdtError(`unsupported FDT version ${version}`);
  if (structOffset + structSize > totalSize || stringsOffset + stringsSize > totalSize) {
    throw new FdtError('structure or strings block outside the blob');
  }

  const reservations: FdtReservation[] = [];
  for (let at = reserveOffset; ; at += 16) {
    if (at + 16 > totalSize) throw new FdtError('unterminated memory reservation block');
    const address = view.getBigUint64(at);
    const size = view.getBigUint64(at + 8);
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }

  const cString = (start: number, end: number): [string, number] => {
    const nul = blob.indexOf(0, start);
    if (nul < 0 || nul >= end) throw new FdtError(`unterminated string at offset ${start}`);
    return [decodeText(blob.subarray(start, nul), `string at offset ${start}`), nul + 1];
  };

  const structEnd = structOffset + structSize;
  let at = structOffset;
  const token = (): number => {
    if (at + 4 > structEnd) throw new FdtError('structure block ends without FDT_END');
    const t = view.getUint32(at);
    at += 4;
    return t;
  };
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const t = token();
    if (t === FDT_BEGIN_NODE) {
      const [name, next] = cString(at, structEnd);
      at = (next + 3) & ~3;
      const parent = stack[stack.length - 1];
      if (parent === undefined && root !== undefined) throw new FdtError('more than one root node');
      const node = parent === undefined ? new FdtNode(name) : parent.addChild(name);
      root ??= node;
      stack.push(node);
    } else if (t === FDT_PROP) {
      const node = stack[stack.length - 1];
      if (node === undefined) throw new FdtError('property outside any node');
      const length = token();
      const nameOff = token();
      if (at + length > structEnd) throw new FdtError('property value runs past the structure block');
      const [name] = cString(stringsOffset + nameOff, stringsOffset + stringsSize);
      node.setBytes(name, blob.subarray(at, at + length));
      at = (at + length + 3) & ~3;
    } else if (t === FDT_END_NODE) {
      if (stack.pop() === undefined) throw new FdtError('unbalanced FDT_END_NODE');
    } else if (t === FDT_END) {
      if (stack.length !== 0 || root === undefined)
        throw new FdtError('FDT_END inside a node or before the root');
      break;
    } else if (t !== FDT_NOP) {
      throw new FdtError(`unknown token 0x${t.toString(16)} at offset ${at - 4}`);
    }
  }
  return { root, reservations, bootCpuId: header(7), version };
}
