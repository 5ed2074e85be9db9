// cpio archives in the "newc" (SVR4, no CRC) format, the one the Linux kernel unpacks as an
// initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
//
// Each member: a 110-byte ASCII header ("070701" and thirteen 8-digit hex fields), the name with
// its NUL, padded so that header + name is a multiple of 4 bytes, then the data padded to 4.
// The archive ends with a member named "TRAILER!!!".

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'char' | 'block'; path: string; major: number; minor: number; mode?: number };

export interface CpioWriteOptions {
  /** Modification time of every member, in seconds (default 0: reproducible archives). */
  mtime?: number;
  uid?: number;
  gid?: number;
  /** Add missing parent directories (mode 0755) before the members that need them (default true). */
  createParents?: boolean;
}

/** One member as read back from an archive. */
export interface CpioRecord {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Uint8Array;
  /** Offset of the header in the archive. */
  offset: number;
}

export class CpioError extends Error {}

const MAGIC = '070701';
const HEADER_SIZE = 110;
export const CPIO_TRAILER = 'TRAILER!!!';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Archive names carry no leading "/" and no "." or empty components. */
export function normalizeCpioPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new CpioError(`empty cpio member name '${path}'`);
  if (parts.includes('..')) throw new CpioError(`cpio member name '${path}' contains '..'`);
  return parts.join('/');
}

function hex8(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new CpioError(`cpio field ${field} out of range: ${value}`);
  }
  return value.toString(16).padStart(8, '0');
}

class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  pad(): void {
    const padding = align4(this.length) - this.length;
    if (padding > 0) this.push(new Uint8Array(padding));
  }

  member(name: string, fields: Omit<CpioRecord, 'name' | 'data' | 'offset'>, data: Uint8Array): void {
    const nameBytes = encoder.encode(name + '\0');
    const header =
      MAGIC +
      hex8(fields.ino, 'ino') +
      hex8(fields.mode, 'mode') +
      hex8(fields.uid, 'uid') +
      hex8(fields.gid, 'gid') +
      hex8(fields.nlink, 'nlink') +
      hex8(fields.mtime, 'mtime') +
      hex8(data.length, 'filesize') +
      hex8(fields.devMajor, 'devmajor') +
      hex8(fields.devMinor, 'devminor') +
      hex8(fields.rdevMajor, 'rdevmajor') +
      hex8(fields.rdevMinor, 'rdevminor') +
      hex8(nameBytes.length, 'namesize') +
      hex8(0, 'check');
    this.push(encoder.encode(header));
    this.push(nameBytes);
    this.pad();
    if (data.length > 0) {
      this.push(data);
      this.pad();
    }
  }

  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** Write entries, in order, as a newc cpio archive ending with the trailer. */
export function writeCpioNewc(entries: readonly CpioEntry[], options: CpioWriteOptions = {}): Uint8Array {
  const mtime = options.mtime ?? 0;
  const uid = options.uid ?? 0;
  const gid = options.gid ?? 0;
  const createParents = options.createParents ?? true;
  const writer = new Writer();
  const seen = new Map<string, CpioEntry['type']>();
  let ino = 1;

  const emit = (name: string, mode: number, nlink: number, data: Uint8Array, rdev = [0, 0]): void => {
    writer.member(
      name,
      {
        ino: ino++,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        devMajor: 0,
        devMinor: 0,
        rdevMajor: rdev[0],
        rdevMinor: rdev[1],
      },
      data,
    );
  };

  for (const entry of entries) {
    const name = normalizeCpioPath(entry.path);
    if (seen.has(name)) throw new CpioError(`duplicate cpio member '${name}'`);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const kind = seen.get(parent);
      if (kind === 'dir') continue;
      if (kind !== undefined) throw new CpioError(`'${parent}' is not a directory (needed by '${name}')`);
      if (!createParents) throw new CpioError(`directory '${parent}' must come before '${name}'`);
      emit(parent, S_IFDIR | 0o755, 2, new Uint8Array(0));
      seen.set(parent, 'dir');
    }
    seen.set(name, entry.type);
    switch (entry.type) {
      case 'dir':
        emit(name, S_IFDIR | ((entry.mode ?? 0o755) & 0o7777), 2, new Uint8Array(0));
        break;
      case 'file':
        emit(name, S_IFREG | ((entry.mode ?? 0o644) & 0o7777), 1, entry.data);
        break;
      case 'symlink':
        if (entry.target.length === 0) throw new CpioError(`symlink '${name}' has an empty target`);
        emit(name, S_IFLNK | 0o777, 1, encoder.encode(entry.target));
        break;
      case 'char':
      case 'block':
        emit(
          name,
          (entry.type === 'char' ? S_IFCHR : S_IFBLK) | ((entry.mode ?? 0o600) & 0o7777),
          1,
          new Uint8Array(0),
          [entry.major, entry.minor],
        );
        break;
    }
  }
  writer.member(
    CPIO_TRAILER,
    {
      ino: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
    },
    new Uint8Array(0),
  );
  return writer.result();
}

/**
 * Read a newc archive back, checking the magic, every field, the 4-byte alignment of names and
 * data, and that the trailer is present. Returns the members before the trailer.
 */
export function parseCpioNewc(archive: Uint8Array): CpioRecord[] {
  const records: CpioRecord[] = [];
  let at = 0;
  for (;;) {
    if (at % 4 !== 0) throw new CpioError(`member at ${at} is not 4-byte aligned`);
    if (at + HEADER_SIZE > archive.length) throw new CpioError('archive ends without a TRAILER!!! member');
    const header = decoder.decode(archive.subarray(at, at + HEADER_SIZE));
    if (header.slice(0, 6) !== MAGIC) throw new CpioError(`bad magic '${header.slice(0, 6)}' at ${at}`);
    const field = (i: number): number => {
      const text = header.slice(6 + 8 * i, 14 + 8 * i);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new CpioError(`bad header field '${text}' at ${at}`);
      return parseInt(text, 16);
    };
    const fileSize = field(6);
    const nameSize = field(11);
    if (nameSize === 0) throw new CpioError(`empty name at ${at}`);
    const nameStart = at + HEADER_SIZE;
    const nameEnd = nameStart + nameSize;
    if (nameEnd > archive.length) throw new CpioError(`name at ${at} runs past the end`);
    if (archive[nameEnd - 1] !== 0) throw new CpioError(`name at ${at} is not NUL-terminated`);
    const name = decoder.decode(archive.subarray(nameStart, nameEnd - 1));
    const dataStart = align4(nameEnd);
    for (let i = nameEnd; i < dataStart; i++) {
      if (archive[i] !== 0) throw new CpioError(`name padding of '${name}' is not zero`);
    }
    const dataEnd = dataStart + fileSize;
    if (dataEnd > archive.length) throw new CpioError(`data of '${name}' runs past the end`);
    if (name === CPIO_TRAILER) return records;
    records.push({
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      devMajor: field(7),
      devMinor: field(8),
      rdevMajor: field(9),
      rdevMinor: field(10),
      data: archive.subarray(dataStart, dataEnd),
      offset: at,
    });
    at = align4(dataEnd);
    for (let i = dataEnd; i < at && i < archive.length; i++) {
      if (archive[i] !== 0) throw new CpioError(`data padding of '${name}' is not zero`);
    }
  }
}
