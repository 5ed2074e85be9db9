// The `virt` machine: harts, RAM and the devices of the memory map, assembled from a typed config
// (STYLE.md rule 7) and run as round-robin slices on one thread.

import { Bus, type IrqLine, type MmioDevice } from './bus.js';
import { GuestRam } from './memory.js';
import { Hart } from './cpu/hart.js';
import { MachineMemory } from './cpu/hart-state.js';
import { Jit, type JitOptions } from './jit/jit.js';
import { DecodeCache } from './cpu/decoder.js';
import { runSlice } from './cpu/interpreter.js';
import { Clint } from './devices/clint.js';
import { Plic } from './devices/plic.js';
import { Uart16550 } from './devices/uart16550.js';
import { TestFinisher, type FinishEvent } from './devices/test-finisher.js';
import { RtcGoldfish } from './devices/rtc-goldfish.js';
import { VirtioMmioTransport } from './devices/virtio/mmio.js';
import type { VirtioDevice } from './devices/virtio/device.js';
import { RAM_BASE, VIRT_MEMORY_MAP, PLIC_NUM_SOURCES, VIRTIO_MMIO_SLOTS, findRegion } from './memmap.js';
import { buildVirtDeviceTree } from './virt-device-tree.js';

/** The host clock: one function for every machine (see TimeSource in cpu/hart.ts). */
const hostNow = (): number => performance.now();

/** Timebase of mtime/time: 10 MHz, as QEMU's virt machine. */
export const TIMEBASE_FREQUENCY = 10_000_000;

/** What rvisor implements, advertised in the device tree (ARCHITECTURE.md: exactly that). */
export const ISA_EXTENSIONS = [
  'i',
  'm',
  'a',
  'f',
  'd',
  'c',
  'zicbom',
  'zicboz',
  'zicntr',
  'zicond',
  'zicsr',
  'zifencei',
  'zihpm',
  'zba',
  'zbb',
  'zbs',
  'sstc',
];
export const ISA_STRING = 'rv64imafdc_' + ISA_EXTENSIONS.slice(6).join('_');
export const MMU_TYPE = 'riscv,sv57';
/** Wall-clock start of deterministic (icount) runs: 2026-01-01T00:00:00Z. */
const DETERMINISTIC_EPOCH_NS = 1_767_225_600_000_000_000n;

export interface MachineConfig {
  memoryBytes: number;
  harts?: number;
  /** Console output from the UART. */
  onConsoleOutput?: (byte: number) => void;
  /**
   * Time source. 'host': mtime follows the host's monotonic clock. 'icount': mtime is derived
   * from retired instructions (deterministic runs).
   */
  clock?: 'host' | 'icount';
  /** Host monotonic clock in milliseconds (defaults to performance.now). */
  now?: () => number;
  /** Wall clock in nanoseconds since the epoch for the RTC (defaults to Date.now). */
  wallClockNs?: () => bigint;
  /** Instructions per timebase tick in icount mode (default 10: 100 MIPS guest time). */
  instructionsPerTick?: number;
  /** Translate hot guest code to WebAssembly (default true); false runs the interpreter only. */
  jit?: boolean;
  /** Tuning of the JIT (thresholds, code-cache limits); tests use small values. */
  jitOptions?: JitOptions;
}

export type MachineState = 'running' | 'idle' | 'finished';

export class Machine {
  /** Hart state blocks and RAM in one WebAssembly.Memory (shared with translated code). */
  readonly memory: MachineMemory;
  readonly ram: GuestRam;
  /** The WebAssembly translator, absent with `jit: false`. */
  readonly jit: Jit | undefined;
  readonly bus = new Bus();
  readonly harts: Hart[];
  readonly clint: Clint;
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly rtc: RtcGoldfish;
  readonly finisher: TestFinisher;
  /** Set when the guest wrote the test finisher (pass/fail/reset). */
  finishEvent: FinishEvent | undefined;
  /** virtio-mmio transports, index = slot. */
  readonly virtio: VirtioMmioTransport[] = [];
  /**
   * Called when a device finished work outside run() (an async disk completion, host input): the
   * runner ends an idle sleep early so the guest sees the interrupt at once.
   */
  onDeviceEvent?: () => void;

  private readonly icount: boolean;
  private readonly instructionsPerTick: number;
  /** icount mode: ticks skipped while every hart was idle. */
  private skippedTicks = 0;
  private readonly now: () => number;
  private readonly startMs: number;
  /** Instructions per slice and hart: bounds interrupt latency and the round-robin quantum. */
  sliceSize = 20_000;
  /** Inter-processor interrupts sent so far (see run: they hand the turn to the other harts). */
  private ipis = 0;

  constructor(readonly config: MachineConfig) {
    const hartCount = config.harts ?? 1;
    if (!Number.isInteger(hartCount) || hartCount < 1 || hartCount > 8) {
      throw new RangeError(`harts must be 1..8, got ${hartCount}`);
    }
    if (config.memoryBytes <= 0 || config.memoryBytes % 4096 !== 0 || config.memoryBytes > 0x80000000) {
      throw new RangeError(
        `RAM size must be a positive multiple of 4 KiB up to 2 GiB, got ${config.memoryBytes}`,
      );
    }
    this.memory = new MachineMemory(hartCount, config.memoryBytes);
    this.ram = new GuestRam(RAM_BASE, config.memoryBytes, this.memory.buffer, this.memory.ramOffset);
    this.icount = config.clock === 'icount';
    this.instructionsPerTick = config.instructionsPerTick ?? 10;
    this.now = config.now ?? hostNow;
    this.startMs = this.now();
    const readTime = () => this.ticks();
    const decodeCache = new DecodeCache();
    this.harts = [];
    for (let id = 0; id < hartCount; id++) {
      const state = this.memory.hartState(id);
      this.harts.push(new Hart({ id, ram: this.ram, bus: this.bus, clock: this, decodeCache, state }));
    }
    this.jit =
      config.jit === false
        ? undefined
        : new Jit(this.memory, this.ram, this.harts, {
            ...config.jitOptions,
            deterministicTime: this.icount,
          });
    // An inter-processor interrupt ends the sender's slice too (the CLINT does not know which
    // hart wrote): a sender usually waits for the answer (a remote fence, a function call on
    // the other hart), which comes sooner when the target runs next than after the sender's
    // slice spins out.
    this.clint = new Clint(this.harts, readTime, () => {
      this.ipis++;
      for (const h of this.harts) h.endSlice = true;
    });
    this.plic = new Plic(this.harts, PLIC_NUM_SOURCES);
    const output = config.onConsoleOutput ?? (() => {});
    this.uart = new Uart16550(this.irqLine(10), output);
    this.rtc = new RtcGoldfish(
      this.irqLine(11),
      // In icount mode the wall clock follows guest time too, so runs stay reproducible.
      config.wallClockNs ??
        (this.icount
          ? () => DETERMINISTIC_EPOCH_NS + BigInt(this.ticks()) * 100n
          : () => BigInt(Date.now()) * 1_000_000n),
    );
    this.finisher = new TestFinisher((event) => {
      this.finishEvent = event;
      for (const h of this.harts) h.endSlice = true;
    });
    for (const region of VIRT_MEMORY_MAP) {
      const device = this.deviceFor(region.kind);
      if (device !== undefined) this.bus.map(region.base, region.size, device);
    }
  }

  private irqLine(source: number): IrqLine {
    return this.plic.irqLine(source);
  }

  private deviceFor(kind: string): MmioDevice | undefined {
    switch (kind) {
      case 'test-finisher':
        return this.finisher;
      case 'rtc':
        return this.rtc;
      case 'clint':
        return this.clint;
      case 'plic':
        return this.plic;
      case 'uart':
        return this.uart;
      default:
        return undefined; // RAM is reached directly; virtio slots are attached by later builders
    }
  }

  /** Put a virtio device behind a virtio-mmio transport in the next free slot of the memory map. */
  attachVirtio(device: VirtioDevice): VirtioMmioTransport {
    const slot = this.virtio.length;
    if (slot >= VIRTIO_MMIO_SLOTS)
      throw new RangeError(`all ${VIRTIO_MMIO_SLOTS} virtio-mmio slots are in use`);
    const region = findRegion('virtio-mmio', slot);
    const transport = new VirtioMmioTransport(device, {
      ram: this.ram,
      irq: this.irqLine(region.irq!),
      onDeviceEvent: () => this.onDeviceEvent?.(),
    });
    this.bus.map(region.base, region.size, transport);
    this.virtio.push(transport);
    return transport;
  }

  /** Machine time in timebase ticks. */
  ticks(): number {
    if (this.icount) {
      let retired = 0;
      for (const h of this.harts) retired += h.retired();
      return Math.floor(retired / this.instructionsPerTick) + this.skippedTicks;
    }
    return Math.floor((this.now() - this.startMs) * (TIMEBASE_FREQUENCY / 1000));
  }

  /** Device tree for this machine. */
  deviceTree(
    options: { bootargs?: string; initrd?: { start: number; end: number }; rngSeed?: Uint8Array } = {},
  ): Uint8Array {
    return buildVirtDeviceTree({
      harts: this.harts.length,
      memoryBytes: this.ram.size,
      isa: ISA_STRING,
      isaExtensions: ISA_EXTENSIONS,
      mmuType: MMU_TYPE,
      timebaseFrequency: TIMEBASE_FREQUENCY,
      virtioSlots: this.virtio.map((_, slot) => slot),
      ...options,
    });
  }

  /** Total instructions retired by all harts. */
  retired(): number {
    let total = 0;
    for (const h of this.harts) total += h.retired();
    return total;
  }

  private updateTimers(): void {
    this.clint.update();
    this.rtc.update();
    for (const h of this.harts) h.updateSupervisorTimer();
  }

  /**
   * Run until about `budget` instructions have been attempted, the guest finishes, or every hart
   * is idle in wfi. Returns the state reached.
   */
  run(budget: number): MachineState {
    let remaining = budget;
    while (remaining > 0) {
      if (this.finishEvent !== undefined) return 'finished';
      this.updateTimers();
      let anyRan = false;
      for (const h of this.harts) {
        if (h.waiting) {
          if ((h.mip & h.mie) === 0) continue;
          h.waiting = false;
        }
        // A slice that ends early by the hart's own doing (a CSR write or a device access that
        // may make an interrupt pending, such as the target of an IPI clearing its msip) goes on
        // after the interrupt check: handing the turn over then would let a hart waiting for
        // this one (the IPI's sender, spinning until it answers) spin through a whole slice,
        // ~20K instructions per remote fence of a 2-hart Debian boot. An IPI it sent, wfi, or
        // the end of the machine do hand the turn over.
        let slice = Math.min(this.sliceSize, remaining);
        const ipis = this.ipis;
        for (;;) {
          h.checkInterrupts();
          const ran = this.jit === undefined ? runSlice(h, slice) : this.jit.runSlice(h, slice);
          remaining -= ran;
          slice -= ran;
          if (slice <= 0 || ran === 0 || h.waiting || this.ipis !== ipis || this.finishEvent !== undefined)
            break;
        }
        anyRan = true;
        if (this.finishEvent !== undefined) return 'finished';
      }
      if (!anyRan) {
        if (this.icount) {
          // Deterministic idling: jump guest time straight to the next deadline.
          const deadline = this.nextDeadline();
          if (deadline === Infinity) return 'idle';
          const now = this.ticks();
          if (deadline > now) this.skippedTicks += deadline - now;
          continue;
        }
        return 'idle';
      }
    }
    return this.finishEvent !== undefined ? 'finished' : 'running';
  }

  /** Earliest timer deadline in ticks (Infinity when none is armed). */
  nextDeadline(): number {
    let deadline = this.clint.nextDeadline();
    for (const h of this.harts) deadline = Math.min(deadline, h.supervisorTimerDeadline());
    return deadline;
  }

  /** Milliseconds an idle machine may sleep before a timer needs it (capped at `max`). */
  idleMilliseconds(max: number): number {
    const deadline = this.nextDeadline();
    if (deadline === Infinity) return max;
    const ticks = deadline - this.ticks();
    return Math.max(0, Math.min(max, ticks / (TIMEBASE_FREQUENCY / 1000)));
  }

  /** True when the machine's time is the host clock (so idling means real sleeping). */
  get usesHostClock(): boolean {
    return !this.icount;
  }
}
