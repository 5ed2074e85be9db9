// The system bus: maps physical address ranges to devices. Devices see offsets, never addresses
// (see STYLE.md rule 2); RAM is not on the bus — the hart reaches it directly through its fast path.

/** Access width in bytes. */
export type AccessSize = 1 | 2 | 4 | 8;

/**
 * A memory-mapped device. Reads and writes of 1, 2 and 4 bytes carry unsigned values in a number.
 * 8-byte accesses use read64/write64 when the device has them; otherwise the bus splits them into
 * two 4-byte accesses, low word first.
 */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: AccessSize): number;
  write(offset: number, value: number, size: AccessSize): void;
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
}

/** An interrupt line handed to a device (STYLE.md rule 3): the device drives its level. */
export interface IrqLine {
  set(level: boolean): void;
}

interface Mapping {
  base: number;
  size: number;
  device: MmioDevice;
}

export class BusError extends Error {}

export class Bus {
  private readonly mappings: Mapping[] = [];
  private last: Mapping | undefined;

  /** Register a device at [base, base+size). Overlapping ranges are refused. */
  map(base: number, size: number, device: MmioDevice): void {
    if (size <= 0 || base < 0) throw new BusError(`invalid range for ${device.name}`);
    for (const m of this.mappings) {
      if (base < m.base + m.size && m.base < base + size) {
        throw new BusError(
          `${device.name} at 0x${base.toString(16)} overlaps ${m.device.name} at 0x${m.base.toString(16)}`,
        );
      }
    }
    this.mappings.push({ base, size, device });
    this.mappings.sort((a, b) => a.base - b.base);
  }

  private find(address: number, size: number): Mapping | undefined {
    const last = this.last;
    if (last !== undefined && address >= last.base && address + size <= last.base + last.size) return last;
    for (const m of this.mappings) {
      if (address >= m.base && address + size <= m.base + m.size) {
        this.last = m;
        return m;
      }
    }
    return undefined;
  }

  /** True when a device claims the whole access; the hart raises an access fault otherwise. */
  claims(address: number, size: number): boolean {
    return this.find(address, size) !== undefined;
  }

  /** Read; returns undefined when nothing is mapped there (the caller raises an access fault). */
  read(address: number, size: 1 | 2 | 4): number | undefined {
    const m = this.find(address, size);
    if (m === undefined) return undefined;
    return m.device.read(address - m.base, size);
  }

  read64(address: number): bigint | undefined {
    const m = this.find(address, 8);
    if (m === undefined) return undefined;
    const offset = address - m.base;
    if (m.device.read64 !== undefined) return m.device.read64(offset);
    const lo = m.device.read(offset, 4);
    const hi = m.device.read(offset + 4, 4);
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  /** Write; returns false when nothing is mapped there. */
  write(address: number, value: number, size: 1 | 2 | 4): boolean {
    const m = this.find(address, size);
    if (m === undefined) return false;
    m.device.write(address - m.base, value, size);
    return true;
  }

  write64(address: number, value: bigint): boolean {
    const m = this.find(address, 8);
    if (m === undefined) return false;
    const offset = address - m.base;
    if (m.device.write64 !== undefined) {
      m.device.write64(offset, value);
    } else {
      m.device.write(offset, Number(value & 0xffffffffn), 4);
      m.device.write(offset + 4, Number((value >> 32n) & 0xffffffffn), 4);
    }
    return true;
  }
}
