// The `virt` machine's physical memory map: ONE table that both the machine builder (bus.map) and
// the device-tree generator iterate, so the two can never drift apart (STYLE.md rule 1).
// Addresses, sizes and interrupt numbers follow QEMU's hw/riscv/virt.c so that firmware, kernels
// and tools that already know QEMU `virt` work unchanged.

/** What a region is; the machine builder picks the device model from this. */
export type MemoryRegionKind = 'test-finisher' | 'rtc' | 'clint' | 'plic' | 'uart' | 'virtio-mmio' | 'ram';

export interface MemoryRegion {
  /** Device-tree node name (the unit address is appended from `base`). */
  readonly name: string;
  readonly kind: MemoryRegionKind;
  readonly base: number;
  /** Size in bytes; 0 for RAM, whose size comes from the machine configuration. */
  readonly size: number;
  /** PLIC source number of the device's interrupt line, if it has one. */
  readonly irq?: number;
  /** Index among regions of the same kind (virtio-mmio slot number); 0 otherwise. */
  readonly index: number;
}

export const TEST_FINISHER_BASE = 0x0010_0000;
export const TEST_FINISHER_SIZE = 0x1000;
export const RTC_BASE = 0x0010_1000;
export const RTC_SIZE = 0x1000;
export const RTC_IRQ = 11;
export const CLINT_BASE = 0x0200_0000;
export const CLINT_SIZE = 0x1_0000;
export const PLIC_BASE = 0x0c00_0000;
/** Room for 0x200000 + 0x1000 per context: 1024 contexts, i.e. 512 harts with M and S contexts. */
export const PLIC_SIZE = 0x60_0000;
/** Interrupt sources including the reserved source 0 (QEMU VIRT_IRQCHIP_NUM_SOURCES). */
export const PLIC_NUM_SOURCES = 96;
/** Largest valid source id, advertised as `riscv,ndev`. */
export const PLIC_NDEV = PLIC_NUM_SOURCES - 1;
export const UART0_BASE = 0x1000_0000;
export const UART0_SIZE = 0x100;
export const UART0_IRQ = 10;
/** Input clock of the NS16550A as QEMU advertises it (3.6864 MHz, the classic 16550 crystal). */
export const UART0_CLOCK_FREQUENCY = 3_686_400;
export const VIRTIO_MMIO_BASE = 0x1000_1000;
export const VIRTIO_MMIO_SIZE = 0x1000;
export const VIRTIO_MMIO_SLOTS = 8;
/** PLIC source of virtio-mmio slot 0; slot i uses VIRTIO_MMIO_IRQ_BASE + i. */
export const VIRTIO_MMIO_IRQ_BASE = 1;
export const RAM_BASE = 0x8000_0000;

/** Base address of virtio-mmio slot `slot`. */
export function virtioMmioBase(slot: number): number {
  return VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE * slot;
}

/** PLIC source number of virtio-mmio slot `slot`. */
export function virtioMmioIrq(slot: number): number {
  return VIRTIO_MMIO_IRQ_BASE + slot;
}

function virtioSlots(): MemoryRegion[] {
  const slots: MemoryRegion[] = [];
  for (let slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++) {
    slots.push({
      name: 'virtio_mmio',
      kind: 'virtio-mmio',
      base: virtioMmioBase(slot),
      size: VIRTIO_MMIO_SIZE,
      irq: virtioMmioIrq(slot),
      index: slot,
    });
  }
  return slots;
}

const regions: MemoryRegion[] = [
  { name: 'test', kind: 'test-finisher', base: TEST_FINISHER_BASE, size: TEST_FINISHER_SIZE, index: 0 },
  { name: 'rtc', kind: 'rtc', base: RTC_BASE, size: RTC_SIZE, irq: RTC_IRQ, index: 0 },
  { name: 'clint', kind: 'clint', base: CLINT_BASE, size: CLINT_SIZE, index: 0 },
  { name: 'plic', kind: 'plic', base: PLIC_BASE, size: PLIC_SIZE, index: 0 },
  { name: 'serial', kind: 'uart', base: UART0_BASE, size: UART0_SIZE, irq: UART0_IRQ, index: 0 },
  ...virtioSlots(),
  { name: 'memory', kind: 'ram', base: RAM_BASE, size: 0, index: 0 },
];

/** The memory map of the `virt` machine, in ascending address order. */
export const VIRT_MEMORY_MAP: readonly MemoryRegion[] = Object.freeze(regions.map((r) => Object.freeze(r)));

/** The region of the given kind and index; throws when the map has none (a programming error). */
export function findRegion(kind: MemoryRegionKind, index = 0): MemoryRegion {
  const region = VIRT_MEMORY_MAP.find((r) => r.kind === kind && r.index === index);
  if (region === undefined) throw new Error(`virt memory map has no ${kind} region #${index}`);
  return region;
}

/** Device-tree node name with unit address, e.g. `serial@10000000`. */
export function regionNodeName(region: MemoryRegion): string {
  return `${region.name}@${region.base.toString(16)}`;
}
