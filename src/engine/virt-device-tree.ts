// The `virt` machine's device tree, generated from the memory map table (memmap.ts) so the DTB and
// the bus registrations can never disagree. The node layout and properties follow what QEMU's
// hw/riscv/virt.c produces, so OpenSBI and Linux see a machine they already know.

import { DeviceTree, type FdtNode } from './fdt.js';
import { MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP } from './devices/interrupt-sink.js';
import {
  PLIC_NDEV,
  UART0_CLOCK_FREQUENCY,
  VIRT_MEMORY_MAP,
  VIRTIO_MMIO_SLOTS,
  type MemoryRegion,
  regionNodeName,
} from './memmap.js';
import { TEST_FINISHER_PASS, TEST_FINISHER_RESET } from './devices/test-finisher.js';

export interface VirtDeviceTreeConfig {
  harts: number;
  memoryBytes: number;
  /** The `riscv,isa` string, e.g. "rv64imafdc_zicsr_zifencei". */
  isa: string;
  /** The `riscv,isa-extensions` list, e.g. ["i", "m", "a", "f", "d", "c", "zicsr"]. */
  isaExtensions: string[];
  /** e.g. "riscv,sv57"; empty to leave `mmu-type` out. */
  mmuType: string;
  timebaseFrequency: number;
  bootargs?: string;
  /** Physical range [start, end) of the initial ramdisk. */
  initrd?: { start: number; end: number };
  /** Entropy for the kernel's early RNG (`/chosen/rng-seed`). */
  rngSeed?: Uint8Array;
  /** virtio-mmio slots to describe; all VIRTIO_MMIO_SLOTS by default, as QEMU does. */
  virtioSlots?: number[];
}

/** Cache-block size for Zicbom/Zicboz (QEMU's default `cbom_blocksize`/`cboz_blocksize`). */
const CACHE_BLOCK_SIZE = 64;

/** Address and size as two cells each, for a parent with #address-cells = #size-cells = 2. */
function reg64(base: number, size: number): bigint[] {
  return [BigInt(base), BigInt(size)];
}

function checkConfig(cfg: VirtDeviceTreeConfig): void {
  if (!Number.isInteger(cfg.harts) || cfg.harts < 1)
    throw new RangeError(`harts must be >= 1, got ${cfg.harts}`);
  if (!Number.isSafeInteger(cfg.memoryBytes) || cfg.memoryBytes <= 0) {
    throw new RangeError(`memoryBytes must be a positive integer, got ${cfg.memoryBytes}`);
  }
  if (cfg.initrd !== undefined && !(cfg.initrd.start <= cfg.initrd.end)) {
    throw new RangeError('initrd end is below its start');
  }
  for (const slot of cfg.virtioSlots ?? []) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= VIRTIO_MMIO_SLOTS) {
      throw new RangeError(`virtio-mmio slot ${slot} does not exist`);
    }
  }
}

/** Build the DTB for a `virt` machine. */
export function buildVirtDeviceTree(cfg: VirtDeviceTreeConfig): Uint8Array {
  checkConfig(cfg);
  const tree = new DeviceTree();
  const root = tree.root;
  root.setU32('#address-cells', 2).setU32('#size-cells', 2);
  root.setString('compatible', 'riscv-virtio').setString('model', 'riscv-virtio,rvisor');

  const intcPhandles = addCpus(tree, cfg);

  const soc = root.addChild('soc');
  soc.setU32('#address-cells', 2).setU32('#size-cells', 2);
  soc.setString('compatible', 'simple-bus').setEmpty('ranges');

  // The PLIC is created first so devices can point their interrupt-parent at it.
  const plicRegion = VIRT_MEMORY_MAP.find((r) => r.kind === 'plic');
  if (plicRegion === undefined) throw new Error('memory map lacks a PLIC');
  const plic = soc.addChild(regionNodeName(plicRegion));
  const plicPhandle = tree.phandle(plic);

  const virtioSlots = new Set(cfg.virtioSlots ?? Array.from({ length: VIRTIO_MMIO_SLOTS }, (_, i) => i));
  let uartPath: string | undefined;
  for (const region of VIRT_MEMORY_MAP) {
    switch (region.kind) {
      case 'ram':
        root
          .addChild(regionNodeName(region))
          .setString('device_type', 'memory')
          .setU64('reg', ...reg64(region.base, cfg.memoryBytes));
        break;
      case 'clint': {
        // Per hart: MSIP (software) then MTIP (timer) into that hart's local interrupt controller.
        const cells = intcPhandles.flatMap((intc) => [intc, MIP_MSIP, intc, MIP_MTIP]);
        soc
          .addChild(regionNodeName(region))
          .setStrings('compatible', ['sifive,clint0', 'riscv,clint0'])
          .setU64('reg', ...reg64(region.base, region.size))
          .setU32('interrupts-extended', ...cells);
        break;
      }
      case 'plic': {
        // Contexts 2h (M-mode, MEIP) and 2h+1 (S-mode, SEIP), matching devices/plic.ts.
        const cells = intcPhandles.flatMap((intc) => [intc, MIP_MEIP, intc, MIP_SEIP]);
        plic
          .setU32('#address-cells', 0)
          .setU32('#interrupt-cells', 1)
          .setStrings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
          .setEmpty('interrupt-controller')
          .setU32('interrupts-extended', ...cells)
          .setU64('reg', ...reg64(region.base, region.size))
          .setU32('riscv,ndev', PLIC_NDEV);
        break;
      }
      case 'uart': {
        const uart = addPlicDevice(soc, region, plicPhandle, 'ns16550a');
        uart.setU32('clock-frequency', UART0_CLOCK_FREQUENCY);
        uartPath = `/soc/${uart.name}`;
        break;
      }
      case 'rtc':
        addPlicDevice(soc, region, plicPhandle, 'google,goldfish-rtc');
        break;
      case 'virtio-mmio':
        if (virtioSlots.has(region.index)) addPlicDevice(soc, region, plicPhandle, 'virtio,mmio');
        break;
      case 'test-finisher':
        addTestFinisher(tree, soc, region);
        break;
    }
  }

  const chosen = root.addChild('chosen');
  if (cfg.bootargs !== undefined) chosen.setString('bootargs', cfg.bootargs);
  if (uartPath !== undefined) {
    chosen.setString('stdout-path', uartPath);
    root.addChild('aliases').setString('serial0', uartPath);
  }
  if (cfg.initrd !== undefined) {
    chosen.setU64('linux,initrd-start', cfg.initrd.start).setU64('linux,initrd-end', cfg.initrd.end);
  }
  if (cfg.rngSeed !== undefined) chosen.setBytes('rng-seed', cfg.rngSeed);
  return tree.toBlob();
}

/** /cpus with one cpu@N per hart; returns the phandle of each hart's interrupt controller. */
function addCpus(tree: DeviceTree, cfg: VirtDeviceTreeConfig): number[] {
  const cpus = tree.root.addChild('cpus');
  cpus.setU32('#address-cells', 1).setU32('#size-cells', 0);
  cpus.setU32('timebase-frequency', cfg.timebaseFrequency);
  const extensions = new Set(cfg.isaExtensions);
  const intcPhandles: number[] = [];
  const cpuPhandles: number[] = [];
  for (let hart = 0; hart < cfg.harts; hart++) {
    const cpu = cpus.addChild(`cpu@${hart.toString(16)}`);
    cpuPhandles.push(tree.phandle(cpu));
    cpu.setString('device_type', 'cpu').setU32('reg', hart).setString('status', 'okay');
    cpu.setString('compatible', 'riscv');
    cpu.setString('riscv,isa', cfg.isa).setString('riscv,isa-base', 'rv64i');
    cpu.setStrings('riscv,isa-extensions', cfg.isaExtensions);
    if (cfg.mmuType !== '') cpu.setString('mmu-type', cfg.mmuType);
    // Like QEMU, the block sizes accompany the extensions that use them, so nothing is advertised
    // that the hart does not implement.
    if (extensions.has('zicbom')) cpu.setU32('riscv,cbom-block-size', CACHE_BLOCK_SIZE);
    if (extensions.has('zicboz')) cpu.setU32('riscv,cboz-block-size', CACHE_BLOCK_SIZE);
    const intc = cpu.addChild('interrupt-controller');
    // #address-cells 0 as the riscv,cpu-intc binding asks (an interrupt-map parent needs it).
    intc.setU32('#address-cells', 0).setU32('#interrupt-cells', 1);
    intc.setEmpty('interrupt-controller').setString('compatible', 'riscv,cpu-intc');
    intcPhandles.push(tree.phandle(intc));
  }
  // A flat topology, one core per hart in a single cluster, as QEMU describes it.
  const cluster = cpus.addChild('cpu-map').addChild('cluster0');
  cpuPhandles.forEach((phandle, hart) => cluster.addChild(`core${hart}`).setU32('cpu', phandle));
  return intcPhandles;
}

function addPlicDevice(soc: FdtNode, region: MemoryRegion, plicPhandle: number, compatible: string): FdtNode {
  if (region.irq === undefined) throw new Error(`${region.name} has no interrupt in the memory map`);
  return soc
    .addChild(regionNodeName(region))
    .setString('compatible', compatible)
    .setU64('reg', ...reg64(region.base, region.size))
    .setU32('interrupts', region.irq)
    .setU32('interrupt-parent', plicPhandle);
}

/** The test finisher doubles as a syscon that Linux's poweroff/reboot drivers write to. */
function addTestFinisher(tree: DeviceTree, soc: FdtNode, region: MemoryRegion): void {
  const test = soc
    .addChild(regionNodeName(region))
    .setStrings('compatible', ['sifive,test1', 'sifive,test0', 'syscon'])
    .setU64('reg', ...reg64(region.base, region.size));
  const syscon = tree.phandle(test);
  for (const [name, value] of [
    ['poweroff', TEST_FINISHER_PASS],
    ['reboot', TEST_FINISHER_RESET],
  ] as const) {
    tree.root
      .addChild(name)
      .setString('compatible', `syscon-${name}`)
      .setU32('regmap', syscon)
      .setU32('offset', 0)
      .setU32('value', value);
  }
}
