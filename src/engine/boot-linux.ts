// Booting through firmware the way QEMU's `virt` machine does (hw/riscv/boot.c behaviour):
// OpenSBI fw_dynamic at the start of RAM, the kernel Image at RAM + 2 MiB (or where its header
// asks), the device tree and initrd at the top of RAM, and every hart entering the firmware in
// M-mode with a0 = hartid, a1 = device tree, a2 = struct fw_dynamic_info (OpenSBI
// include/sbi/fw_dynamic.h: magic "OSBI", version 2, next_addr, next_mode S, options, boot_hart).

import {
  imageLoadOffset,
  isElf,
  loadElf,
  parseLinuxImageHeader,
  placeSegments,
  LoaderError,
} from './loader.js';
import type { Machine } from './machine.js';

export interface FirmwareBootConfig {
  firmware: Uint8Array;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  bootargs?: string;
  /** Entropy for /chosen/rng-seed. */
  rngSeed?: Uint8Array;
}

const MiB = 1024 * 1024;
const FW_DYNAMIC_INFO_MAGIC = 0x4942534fn; // "OSBI"
const FW_DYNAMIC_INFO_VERSION = 2n;
const FW_DYNAMIC_NEXT_MODE_S = 1n;
/** fw_dynamic_info lives just below the device tree. */
const FW_DYNAMIC_INFO_SIZE = 6 * 8;

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * Where bootWithFirmware puts what goes at the top of RAM: the device tree at the start of the
 * last 2 MiB-aligned block that holds it (as QEMU), the fw_dynamic_info just below it, and an
 * initrd of `initrdSize` bytes (if any) below that, 4 KiB-aligned. Exported so that `rvisor run`
 * can read the initrd file straight to its address before booting. The device tree's size, hence
 * every address, depends on the machine (harts, RAM, the virtio devices attached), the bootargs,
 * the rng seed and the initrd's size (not its address: its properties are fixed-size numbers):
 * the caller must pass what it will pass to bootWithFirmware, with every device attached.
 */
export function topOfRamLayout(
  machine: Machine,
  initrdSize: number,
  config: Pick<FirmwareBootConfig, 'bootargs' | 'rngSeed'>,
): { dtbAddress: number; infoAddress: number; initrdStart: number } {
  const ramEnd = machine.ram.base + machine.ram.size;
  const provisional = machine.deviceTree({
    bootargs: config.bootargs,
    initrd: initrdSize > 0 ? { start: 0, end: initrdSize } : undefined,
    rngSeed: config.rngSeed,
  });
  const dtbAddress = Math.floor((ramEnd - provisional.length - 64) / (2 * MiB)) * 2 * MiB;
  const infoAddress = dtbAddress - FW_DYNAMIC_INFO_SIZE;
  const initrdStart = Math.floor((infoAddress - initrdSize) / 4096) * 4096;
  return { dtbAddress, infoAddress, initrdStart };
}

/** Place firmware, kernel, initrd and device tree into RAM; set every hart at the firmware entry. */
export function bootWithFirmware(machine: Machine, config: FirmwareBootConfig, clearRam = false): void {
  const ram = machine.ram;
  if (clearRam) ram.u8.fill(0);
  const ramEnd = ram.base + ram.size;
  const bytes = { base: ram.base, bytes: ram.u8 };
  // The kernel's header is read before anything is placed: the kernel may already lie in RAM
  // (host/image-into-ram.ts), where a firmware too big for the space below it would overwrite it.
  const header = parseLinuxImageHeader(config.kernel);

  // Firmware: an ELF goes where it is linked, a flat binary at the start of RAM.
  let firmwareEntry = ram.base;
  let firmwareEnd: number;
  if (isElf(config.firmware)) {
    const elf = loadElf(config.firmware);
    placeSegments(elf.segments, bytes);
    firmwareEntry = elf.entry;
    firmwareEnd = Math.max(...elf.segments.map((s) => s.paddr + s.memSize));
  } else {
    placeSegments([{ paddr: ram.base, data: config.firmware, memSize: config.firmware.length }], bytes);
    firmwareEnd = ram.base + config.firmware.length;
  }

  // Kernel: a RISC-V Linux Image at RAM + text_offset (2 MiB on RV64), or an ELF.
  let kernelEntry: number;
  let kernelEnd: number;
  if (header !== null) {
    kernelEntry = ram.base + imageLoadOffset(header);
    kernelEnd = kernelEntry + Math.max(header.imageSize, config.kernel.length);
    if (kernelEntry < firmwareEnd) {
      throw new LoaderError(
        `the kernel at ${hex(kernelEntry)} would overlap the firmware ending at ${hex(firmwareEnd)}`,
      );
    }
    placeSegments([{ paddr: kernelEntry, data: config.kernel, memSize: config.kernel.length }], bytes);
  } else if (isElf(config.kernel)) {
    const elf = loadElf(config.kernel);
    placeSegments(elf.segments, bytes);
    kernelEntry = elf.entry;
    kernelEnd = Math.max(...elf.segments.map((s) => s.paddr + s.memSize));
  } else {
    throw new LoaderError('the kernel is neither a RISC-V Linux Image (no header magic) nor an ELF file');
  }
  if (kernelEnd > ramEnd)
    throw new LoaderError(`the kernel needs RAM up to ${hex(kernelEnd)}; give the VM more memory`);

  const initrdSize = config.initrd?.length ?? 0;
  const { dtbAddress, infoAddress, initrdStart } = topOfRamLayout(machine, initrdSize, config);
  let initrd: { start: number; end: number } | undefined;
  if (config.initrd !== undefined && initrdSize > 0) {
    if (initrdStart < kernelEnd) {
      throw new LoaderError(
        `RAM is too small for the kernel (up to ${hex(kernelEnd)}) and a ${initrdSize}-byte initrd; give the VM more memory`,
      );
    }
    initrd = { start: initrdStart, end: initrdStart + initrdSize };
    // Copies nothing when the initrd was read to this address (host/image-into-ram.ts).
    placeSegments([{ paddr: initrdStart, data: config.initrd, memSize: initrdSize }], bytes);
  } else if (infoAddress < kernelEnd) {
    throw new LoaderError('RAM is too small for the kernel and the device tree; give the VM more memory');
  }
  const dtb = machine.deviceTree({ bootargs: config.bootargs, initrd, rngSeed: config.rngSeed });
  ram.u8.set(dtb, dtbAddress - ram.base);

  const info = new DataView(ram.buffer, ram.byteOffset + infoAddress - ram.base, FW_DYNAMIC_INFO_SIZE);
  const fields = [
    FW_DYNAMIC_INFO_MAGIC,
    FW_DYNAMIC_INFO_VERSION,
    BigInt(kernelEntry),
    FW_DYNAMIC_NEXT_MODE_S,
    0n, // options
    0n, // boot_hart: hart 0 boots, as QEMU leaves it
  ];
  fields.forEach((v, i) => info.setBigUint64(i * 8, v, true));

  // Everything loaded replaces whatever code was translated before (a reboot).
  ram.noteWrite(0, ram.size);
  machine.finishEvent = undefined;
  for (const hart of machine.harts) {
    hart.reset(firmwareEntry);
    hart.regs.x[10] = BigInt(hart.id);
    hart.regs.x[11] = BigInt(dtbAddress);
    hart.regs.x[12] = BigInt(infoAddress);
  }
}
