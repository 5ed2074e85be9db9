// rvcow: rvisor's copy-on-write overlay. Many VMs share one read-only base image; each writes
// only its own overlay. Unwritten clusters read through to the base.
//
// File layout (all integers little-endian):
//
//   offset  size  field
//   0       8     magic "RVCOW\r\n\x1a" (the \r\n and ^Z catch text-mode mangling)
//   8       4     format version, 1
//   12      4     header size in bytes, 4096
//   16      4     cluster bits: clusters are 2^bits bytes (16 = 64 KiB; 9..24 accepted)
//   20      4     flags, 0 (readers refuse unknown flags)
//   24      8     virtual disk size in bytes (= the base's size)
//   32      8     byte offset of the cluster map (4096)
//   40      4     cluster map entries = ceil(virtual size / cluster size)
//   44      4     base format: 1 = raw, 2 = rvcow (never guessed from the base's content)
//   48      8     base size in bytes when the overlay was created   } the base's identity: opening
//   56      32    SHA-256 of the base's first min(64 KiB, size) bytes } refuses a changed base
//   88      4     base path length in bytes
//   92      n     base path, UTF-8; relative paths are relative to the overlay's directory
//   ...           zeros up to the header size
//   4096    4·E   cluster map: one u32 per virtual cluster:
//                   0          not allocated: read the base
//                   0xffffffff reads as zeros (discarded or write-zeroed)
//                   k          data at byte k·cluster size of this file
//   then          data clusters, cluster-aligned, appended as they are allocated
//
// Crash consistency: a cluster's data is written (and made durable by the next FLUSH's first
// fdatasync) before its map entry is written; map entries changed since the last flush reach the
// file only in flush(), followed by a second fdatasync. After a crash the map on disk therefore
// never points at data that was not written; at worst, clusters appended after the last flush are
// unreferenced (leaked space, reused by nothing). Discarded clusters are not freed either.

import { createHash, randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BlockBackend } from '../../engine/block-backend.js';
import {
  DiskError,
  RawFileBackend,
  SECTOR_SIZE,
  openErrorMessage,
  readFully,
  writeFully,
  writeZeros,
} from './raw-file.js';

export const OVERLAY_MAGIC = Uint8Array.from([0x52, 0x56, 0x43, 0x4f, 0x57, 0x0d, 0x0a, 0x1a]);
export const OVERLAY_VERSION = 1;
export const OVERLAY_HEADER_SIZE = 4096;
export const DEFAULT_CLUSTER_BITS = 16;
const MIN_CLUSTER_BITS = 9;
const MAX_CLUSTER_BITS = 24;
const FINGERPRINT_BYTES = 64 * 1024;
const MAX_BASE_PATH_BYTES = OVERLAY_HEADER_SIZE - 92;
/** Overlays over overlays: a deeper chain is refused (it is probably a loop). */
const MAX_CHAIN_DEPTH = 16;
const UNALLOCATED = 0;
const ZERO_CLUSTER = 0xffff_ffff;
/** Map entries are written back in pages of this many bytes. */
const MAP_PAGE_BYTES = 4096;

export type BaseFormat = 'raw' | 'rvcow';
const BASE_FORMAT_CODES: Record<BaseFormat, number> = { raw: 1, rvcow: 2 };

export interface OverlayHeader {
  version: number;
  clusterBits: number;
  virtualSize: number;
  mapOffset: number;
  mapEntries: number;
  baseFormat: BaseFormat;
  baseSize: number;
  baseFingerprint: Uint8Array;
  basePath: string;
}

export function encodeHeader(h: OverlayHeader): Uint8Array {
  const bytes = new Uint8Array(OVERLAY_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  const path = new TextEncoder().encode(h.basePath);
  if (path.length > MAX_BASE_PATH_BYTES)
    throw new DiskError(`base path is longer than ${MAX_BASE_PATH_BYTES} bytes`);
  bytes.set(OVERLAY_MAGIC, 0);
  view.setUint32(8, h.version, true);
  view.setUint32(12, OVERLAY_HEADER_SIZE, true);
  view.setUint32(16, h.clusterBits, true);
  view.setUint32(20, 0, true);
  view.setBigUint64(24, BigInt(h.virtualSize), true);
  view.setBigUint64(32, BigInt(h.mapOffset), true);
  view.setUint32(40, h.mapEntries, true);
  view.setUint32(44, BASE_FORMAT_CODES[h.baseFormat], true);
  view.setBigUint64(48, BigInt(h.baseSize), true);
  bytes.set(h.baseFingerprint.subarray(0, 32), 56);
  view.setUint32(88, path.length, true);
  bytes.set(path, 92);
  return bytes;
}

/** True when `bytes` starts with the overlay magic. */
export function isOverlay(bytes: Uint8Array): boolean {
  return bytes.length >= OVERLAY_MAGIC.length && OVERLAY_MAGIC.every((b, i) => bytes[i] === b);
}

export function decodeHeader(bytes: Uint8Array, path: string): OverlayHeader {
  const bad = (why: string) => new DiskError(`'${path}' is not a valid rvcow overlay: ${why}`);
  if (bytes.length < OVERLAY_HEADER_SIZE || !isOverlay(bytes)) throw bad('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== OVERLAY_VERSION) throw bad(`version ${version} (this rvisor reads ${OVERLAY_VERSION})`);
  if (view.getUint32(12, true) !== OVERLAY_HEADER_SIZE) throw bad('unexpected header size');
  const clusterBits = view.getUint32(16, true);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS)
    throw bad(`cluster bits ${clusterBits}`);
  if (view.getUint32(20, true) !== 0) throw bad('unknown flags');
  const virtualSize = Number(view.getBigUint64(24, true));
  const mapOffset = Number(view.getBigUint64(32, true));
  const mapEntries = view.getUint32(40, true);
  const clusterSize = 2 ** clusterBits;
  if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0 || virtualSize % SECTOR_SIZE !== 0) {
    throw bad(`virtual size ${virtualSize}`);
  }
  if (mapEntries !== Math.ceil(virtualSize / clusterSize)) throw bad('cluster map size does not match');
  if (mapOffset !== OVERLAY_HEADER_SIZE) throw bad('unexpected cluster map offset');
  const formatCode = view.getUint32(44, true);
  const baseFormat = (Object.keys(BASE_FORMAT_CODES) as BaseFormat[]).find(
    (f) => BASE_FORMAT_CODES[f] === formatCode,
  );
  if (baseFormat === undefined) throw bad(`unknown base format ${formatCode}`);
  const baseSize = Number(view.getBigUint64(48, true));
  const pathLength = view.getUint32(88, true);
  if (pathLength === 0 || pathLength > MAX_BASE_PATH_BYTES) throw bad('bad base path length');
  const basePath = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(92, 92 + pathLength));
  return {
    version,
    clusterBits,
    virtualSize,
    mapOffset,
    mapEntries,
    baseFormat,
    baseSize,
    baseFingerprint: bytes.slice(56, 88),
    basePath,
  };
}

/** Open an image read-only as a base (raw, or an overlay of its own). */
async function openBase(path: string, format: BaseFormat, depth: number): Promise<BlockBackend> {
  if (format === 'raw') return RawFileBackend.open(path, { readOnly: true });
  return OverlayBackend.open(path, { readOnly: true, depth: depth + 1 });
}

async function fingerprint(base: BlockBackend): Promise<Uint8Array> {
  const head = new Uint8Array(Math.min(FINGERPRINT_BYTES, base.size));
  await base.read(0, head);
  return new Uint8Array(createHash('sha256').update(head).digest());
}

export interface CreateOverlayOptions {
  /** The base image; stored in the header as given (relative = relative to the overlay). */
  basePath: string;
  baseFormat?: BaseFormat;
  clusterBits?: number;
}

/** Create a new, empty overlay at `path` over a base image. Refuses to overwrite a file. */
export async function createOverlay(path: string, options: CreateOverlayOptions): Promise<OverlayHeader> {
  const baseFormat = options.baseFormat ?? 'raw';
  const clusterBits = options.clusterBits ?? DEFAULT_CLUSTER_BITS;
  if (!Number.isInteger(clusterBits) || clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw new DiskError(`cluster bits must be ${MIN_CLUSTER_BITS}..${MAX_CLUSTER_BITS}`);
  }
  const resolvedBase = isAbsolute(options.basePath)
    ? options.basePath
    : resolve(dirname(path), options.basePath);
  const base = await openBase(resolvedBase, baseFormat, 0);
  let header: OverlayHeader;
  try {
    const clusterSize = 2 ** clusterBits;
    header = {
      version: OVERLAY_VERSION,
      clusterBits,
      virtualSize: base.size,
      mapOffset: OVERLAY_HEADER_SIZE,
      mapEntries: Math.ceil(base.size / clusterSize),
      baseFormat,
      baseSize: base.size,
      baseFingerprint: await fingerprint(base),
      basePath: options.basePath,
    };
  } finally {
    await base.close();
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DiskError(`'${path}' already exists`);
    throw new DiskError(openErrorMessage(path, err));
  }
  try {
    await writeFully(handle, encodeHeader(header), 0);
    await writeZeros(handle, header.mapOffset, 4 * header.mapEntries);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return header;
}

export interface OpenOverlayOptions {
  readOnly?: boolean;
  /** Nesting level when opened as another overlay's base (internal). */
  depth?: number;
}

export class OverlayBackend implements BlockBackend {
  readonly size: number;
  private readonly clusterSize: number;
  private readonly map: DataView;
  private readonly mapBytes: Uint8Array;
  private readonly dirtyPages = new Set<number>();
  /** Next free cluster index at the end of the file. */
  private nextFree: number;
  /** Allocation, in-place writes and flushes run one at a time, in submission order. */
  private lock: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly header: OverlayHeader,
    private readonly base: BlockBackend,
    readonly readOnly: boolean,
    mapBytes: Uint8Array,
    fileSize: number,
  ) {
    this.size = header.virtualSize;
    this.clusterSize = 2 ** header.clusterBits;
    this.mapBytes = mapBytes;
    this.map = new DataView(mapBytes.buffer, mapBytes.byteOffset, mapBytes.byteLength);
    const dataStart = Math.ceil((header.mapOffset + mapBytes.length) / this.clusterSize);
    this.nextFree = Math.max(dataStart, Math.ceil(fileSize / this.clusterSize));
    for (let i = 0; i < header.mapEntries; i++) {
      const entry = this.entry(i);
      if (entry !== UNALLOCATED && entry !== ZERO_CLUSTER && (entry < dataStart || entry >= this.nextFree)) {
        throw new DiskError(`'${path}' is corrupt: cluster ${i} points outside the file`);
      }
    }
  }

  static async open(path: string, options: OpenOverlayOptions = {}): Promise<OverlayBackend> {
    const readOnly = options.readOnly ?? false;
    const depth = options.depth ?? 0;
    if (depth > MAX_CHAIN_DEPTH)
      throw new DiskError(`overlay chain deeper than ${MAX_CHAIN_DEPTH} at '${path}'`);
    let handle: FileHandle;
    try {
      handle = await open(path, readOnly ? 'r' : 'r+');
    } catch (err) {
      throw new DiskError(openErrorMessage(path, err));
    }
    let base: BlockBackend | undefined;
    try {
      const headerBytes = new Uint8Array(OVERLAY_HEADER_SIZE);
      await readFully(handle, headerBytes, 0);
      const header = decodeHeader(headerBytes, path);
      const basePath = isAbsolute(header.basePath)
        ? header.basePath
        : resolve(dirname(path), header.basePath);
      base = await openBase(basePath, header.baseFormat, depth);
      if (base.size !== header.baseSize) {
        throw new DiskError(`the base '${basePath}' of '${path}' changed size since the overlay was created`);
      }
      const print = await fingerprint(base);
      if (!print.every((b, i) => b === header.baseFingerprint[i])) {
        throw new DiskError(`the base '${basePath}' of '${path}' changed since the overlay was created`);
      }
      const mapBytes = new Uint8Array(4 * header.mapEntries);
      await readFully(handle, mapBytes, header.mapOffset);
      const fileSize = (await handle.stat()).size;
      return new OverlayBackend(path, handle, header, base, readOnly, mapBytes, fileSize);
    } catch (err) {
      await base?.close();
      await handle.close();
      throw err;
    }
  }

  /**
   * A throw-away overlay over `basePath` in `directory` (os.tmpdir() for snapshot=on): the file is
   * unlinked as soon as it is open, so it disappears with the process, whatever way it ends.
   */
  static async temporary(
    basePath: string,
    baseFormat: BaseFormat,
    directory: string,
    options: { readOnly?: boolean } = {},
  ): Promise<OverlayBackend> {
    const path = resolve(directory, `rvisor-snapshot-${randomBytes(8).toString('hex')}.rvcow`);
    await createOverlay(path, { basePath: resolve(basePath), baseFormat });
    try {
      return await OverlayBackend.open(path, options);
    } finally {
      await unlink(path);
    }
  }

  private entry(cluster: number): number {
    return this.map.getUint32(4 * cluster, true);
  }

  private setEntry(cluster: number, value: number): void {
    this.map.setUint32(4 * cluster, value, true);
    this.dirtyPages.add(Math.floor((4 * cluster) / MAP_PAGE_BYTES));
  }

  /** Clusters holding data in this file (for tests and `rvisor disk info`). */
  allocatedClusters(): number {
    let n = 0;
    for (let i = 0; i < this.header.mapEntries; i++) {
      const e = this.entry(i);
      if (e !== UNALLOCATED && e !== ZERO_CLUSTER) n++;
    }
    return n;
  }

  private check(offset: number, length: number, writing: boolean): void {
    if (this.closed) throw new DiskError(`'${this.path}' is closed`);
    if (writing && this.readOnly) throw new DiskError(`'${this.path}' is read-only`);
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(
        `access ${offset}+${length} beyond the end of '${this.path}' (${this.size} bytes)`,
      );
    }
  }

  /** Run `work` after every earlier mutation, and before every later one. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Read from the base; what lies past its end reads as zeros. */
  private async readBase(offset: number, into: Uint8Array): Promise<void> {
    const available = Math.max(0, Math.min(into.length, this.base.size - offset));
    if (available > 0) await this.base.read(offset, into.subarray(0, available));
    into.fill(0, available);
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check(offset, into.length, false);
    const cs = this.clusterSize;
    const pieces: Promise<void>[] = [];
    let pos = 0;
    while (pos < into.length) {
      // One run: consecutive clusters of one kind that are contiguous in their source.
      const start = offset + pos;
      const first = Math.floor(start / cs);
      const kind = this.entry(first);
      let end = Math.min((first + 1) * cs, offset + into.length);
      for (let c = first + 1; end < offset + into.length; c++) {
        const e = this.entry(c);
        const same =
          kind === UNALLOCATED || kind === ZERO_CLUSTER
            ? e === kind
            : e !== ZERO_CLUSTER && e === kind + (c - first);
        if (!same) break;
        end = Math.min((c + 1) * cs, offset + into.length);
      }
      const piece = into.subarray(pos, end - offset);
      if (kind === ZERO_CLUSTER) piece.fill(0);
      else if (kind === UNALLOCATED) pieces.push(this.readBase(start, piece));
      else pieces.push(readFully(this.handle, piece, kind * cs + (start - first * cs)));
      pos = end - offset;
    }
    await Promise.all(pieces);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length, true);
    const copy = data.slice(); // the caller may reuse its buffer before the lock comes round
    await this.exclusive(() => this.writeLocked(offset, copy));
  }

  private async writeLocked(offset: number, data: Uint8Array): Promise<void> {
    const cs = this.clusterSize;
    let pos = 0;
    while (pos < data.length) {
      const at = offset + pos;
      const cluster = Math.floor(at / cs);
      const within = at - cluster * cs;
      const n = Math.min(cs - within, data.length - pos);
      await this.writeCluster(cluster, within, data.subarray(pos, pos + n));
      pos += n;
    }
  }

  /** Write inside one cluster, allocating it (copy-on-write from the base) if needed. */
  private async writeCluster(cluster: number, within: number, piece: Uint8Array): Promise<void> {
    const cs = this.clusterSize;
    const entry = this.entry(cluster);
    if (entry !== UNALLOCATED && entry !== ZERO_CLUSTER) {
      await writeFully(this.handle, piece, entry * cs + within);
      return;
    }
    const buffer = new Uint8Array(cs);
    if (entry === UNALLOCATED && piece.length < cs) await this.readBase(cluster * cs, buffer);
    buffer.set(piece, within);
    const target = this.nextFree++;
    // Data first; the map entry reaches the file only in flush(), after an fdatasync.
    await writeFully(this.handle, buffer, target * cs);
    this.setEntry(cluster, target);
  }

  async flush(): Promise<void> {
    if (this.closed || this.readOnly) return;
    await this.exclusive(() => this.flushLocked());
  }

  private async flushLocked(): Promise<void> {
    await this.handle.datasync();
    if (this.dirtyPages.size === 0) return;
    const pages = [...this.dirtyPages].sort((a, b) => a - b);
    this.dirtyPages.clear();
    for (const page of pages) {
      const from = page * MAP_PAGE_BYTES;
      const bytes = this.mapBytes.subarray(from, Math.min(from + MAP_PAGE_BYTES, this.mapBytes.length));
      await writeFully(this.handle, bytes, this.header.mapOffset + from);
    }
    await this.handle.datasync();
  }

  async discard(offset: number, length: number): Promise<void> {
    await this.writeZeroes(offset, length);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.check(offset, length, true);
    await this.exclusive(async () => {
      const cs = this.clusterSize;
      let pos = 0;
      while (pos < length) {
        const at = offset + pos;
        const cluster = Math.floor(at / cs);
        const within = at - cluster * cs;
        const n = Math.min(cs - within, length - pos);
        const entry = this.entry(cluster);
        const whole = within === 0 && n === Math.min(cs, this.size - cluster * cs);
        if (entry !== UNALLOCATED && entry !== ZERO_CLUSTER) {
          await writeZeros(this.handle, entry * cs + within, n); // in place: no space is leaked
        } else if (whole) {
          if (entry !== ZERO_CLUSTER) this.setEntry(cluster, ZERO_CLUSTER);
        } else if (entry === UNALLOCATED) {
          await this.writeCluster(cluster, within, new Uint8Array(n));
        }
        pos += n;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.handle.close();
      await this.base.close();
    }
  }
}
