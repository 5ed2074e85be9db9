// Loading a guest into a machine the way QEMU's `virt` does with `-bios none -kernel FILE`: an ELF
// goes where its program headers say, anything else is a flat binary at the start of RAM; every
// hart starts in M-mode at the entry with a0 = hartid and a1 = the device tree's address.

import { isElf, loadElf, placeSegments, LoaderError, type LoadSegment } from './loader.js';
import type { Machine } from './machine.js';

export interface BareMetalImage {
  entry: number;
  segments: LoadSegment[];
}

/** Parse a kernel file (ELF or flat binary); throws LoaderError with a clear message. */
export function parseBareMetalImage(image: Uint8Array, ramBase: number): BareMetalImage {
  if (image.length === 0) throw new LoaderError('the kernel file is empty');
  if (isElf(image)) {
    const elf = loadElf(image);
    return { entry: elf.entry, segments: elf.segments };
  }
  return { entry: ramBase, segments: [{ paddr: ramBase, data: image, memSize: image.length }] };
}

/** Highest 8-byte aligned address where a blob of `size` bytes fits below the end of RAM, 2 MiB aligned when possible. */
function deviceTreeAddress(machine: Machine, size: number, segments: LoadSegment[]): number {
  const ramEnd = machine.ram.base + machine.ram.size;
  let address = ramEnd - size;
  const aligned = address - (address % (2 * 1024 * 1024));
  address = aligned >= machine.ram.base ? aligned : address - (address % 8);
  for (const s of segments) {
    if (address < s.paddr + s.memSize && s.paddr < address + size) {
      throw new LoaderError(
        'the program leaves no room at the top of RAM for the device tree; give the VM more memory',
      );
    }
  }
  return address;
}

/**
 * Load the image and reset the harts. `clearRam` wipes RAM first (for a reboot; a new machine's
 * RAM is already zero, and touching all of it would cost a page fault per page).
 */
export function bootBareMetal(machine: Machine, image: BareMetalImage, clearRam = false): void {
  if (clearRam) machine.ram.u8.fill(0);
  placeSegments(image.segments, { base: machine.ram.base, bytes: machine.ram.u8 });
  const dtb = machine.deviceTree();
  const dtbAddress = deviceTreeAddress(machine, dtb.length, image.segments);
  machine.ram.u8.set(dtb, dtbAddress - machine.ram.base);
  // Everything loaded replaces whatever code was translated before (a reboot).
  machine.ram.noteWrite(0, machine.ram.size);
  machine.finishEvent = undefined;
  for (const hart of machine.harts) {
    hart.reset(image.entry);
    hart.regs.x[10] = BigInt(hart.id);
    hart.regs.x[11] = BigInt(dtbAddress);
  }
}
