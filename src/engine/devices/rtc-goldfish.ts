// Goldfish RTC (`google,goldfish-rtc`), the wall clock of QEMU's `virt`: a 64-bit count of
// nanoseconds since the Unix epoch plus a one-shot alarm. Register semantics follow Android's
// goldfish virtual hardware documentation and Linux drivers/rtc/rtc-goldfish.c.

import type { AccessSize, IrqLine, MmioDevice } from '../bus.js';

export const RTC_TIME_LOW = 0x00; // read: current time, low half; latches the high half
export const RTC_TIME_HIGH = 0x04; // read: high half latched by the last TIME_LOW read
export const RTC_ALARM_LOW = 0x08; // write: low half of the alarm, then arm it
export const RTC_ALARM_HIGH = 0x0c; // write: high half of the next alarm
export const RTC_IRQ_ENABLED = 0x10;
export const RTC_CLEAR_ALARM = 0x14; // write: disarm
export const RTC_ALARM_STATUS = 0x18; // read: 1 while an alarm is armed
export const RTC_CLEAR_INTERRUPT = 0x1c; // write: lower the interrupt

const U64_MASK = 0xffff_ffff_ffff_ffffn;

export interface RtcGoldfishState {
  /** Guest time minus host wall clock, in ns (decimal string). Kept across snapshots so a guest's
   * clock adjustment survives while time still follows the host's real time. */
  offsetNs: string;
  alarmNs: string;
  alarmArmed: boolean;
  irqEnabled: boolean;
  irqPending: boolean;
  timeHigh: number;
  alarmHigh: number;
}

export class RtcGoldfish implements MmioDevice {
  readonly name = 'rtc-goldfish';
  private offsetNs = 0n;
  private alarmNs = 0n;
  private alarmArmed = false;
  private irqEnabled = false;
  private irqPending = false;
  /** TIME_HIGH as latched by the last TIME_LOW read. */
  private timeHigh = 0;
  private alarmHigh = 0;
  private irqLevel = false;

  /** `wallClockNs` returns host time in nanoseconds since the Unix epoch. */
  constructor(
    private readonly irq: IrqLine,
    private readonly wallClockNs: () => bigint,
  ) {}

  /** Guest time in ns since the epoch. */
  now(): bigint {
    return (this.wallClockNs() + this.offsetNs) & U64_MASK;
  }

  /** Fire the alarm if its time has come; the machine calls this as time advances. */
  update(): void {
    if (this.alarmArmed && this.now() >= this.alarmNs) {
      this.alarmArmed = false;
      this.irqPending = true;
      this.updateIrq();
    }
  }

  /** Armed alarm time in guest ns, or undefined; lets an idle machine know when to wake. */
  nextAlarmNs(): bigint | undefined {
    return this.alarmArmed ? this.alarmNs : undefined;
  }

  read(offset: number, size: AccessSize): number {
    if (size !== 4) return 0;
    switch (offset) {
      case RTC_TIME_LOW: {
        const now = this.now();
        this.timeHigh = Number(now >> 32n);
        return Number(now & 0xffff_ffffn);
      }
      case RTC_TIME_HIGH:
        return this.timeHigh;
      case RTC_ALARM_LOW:
        return Number(this.alarmNs & 0xffff_ffffn);
      case RTC_ALARM_HIGH:
        return Number(this.alarmNs >> 32n);
      case RTC_IRQ_ENABLED:
        return this.irqEnabled ? 1 : 0;
      case RTC_ALARM_STATUS:
        return this.alarmArmed ? 1 : 0;
      default:
        return 0;
    }
  }

  write(offset: number, value: number, size: AccessSize): void {
    if (size !== 4) return;
    value >>>= 0;
    switch (offset) {
      case RTC_TIME_LOW:
        // Each half replaces that half of the current time at once (as QEMU does); Linux writes
        // TIME_HIGH then TIME_LOW.
        this.setTime((this.now() & ~0xffff_ffffn) | BigInt(value));
        break;
      case RTC_TIME_HIGH:
        this.setTime((BigInt(value) << 32n) | (this.now() & 0xffff_ffffn));
        break;
      case RTC_ALARM_HIGH:
        this.alarmHigh = value;
        break;
      case RTC_ALARM_LOW:
        this.alarmNs = (BigInt(this.alarmHigh) << 32n) | BigInt(value);
        this.alarmArmed = true;
        this.update(); // an alarm already in the past fires at once
        break;
      case RTC_IRQ_ENABLED:
        this.irqEnabled = (value & 1) === 1;
        this.updateIrq();
        break;
      case RTC_CLEAR_ALARM:
        this.alarmArmed = false;
        break;
      case RTC_CLEAR_INTERRUPT:
        this.irqPending = false;
        this.updateIrq();
        break;
    }
  }

  save(): RtcGoldfishState {
    return {
      offsetNs: this.offsetNs.toString(),
      alarmNs: this.alarmNs.toString(),
      alarmArmed: this.alarmArmed,
      irqEnabled: this.irqEnabled,
      irqPending: this.irqPending,
      timeHigh: this.timeHigh,
      alarmHigh: this.alarmHigh,
    };
  }

  restore(state: RtcGoldfishState): void {
    this.offsetNs = BigInt(state.offsetNs);
    this.alarmNs = BigInt(state.alarmNs);
    this.alarmArmed = state.alarmArmed;
    this.irqEnabled = state.irqEnabled;
    this.irqPending = state.irqPending;
    this.timeHigh = state.timeHigh >>> 0;
    this.alarmHigh = state.alarmHigh >>> 0;
    this.irqLevel = this.irqEnabled && this.irqPending;
    this.irq.set(this.irqLevel);
  }

  private setTime(ns: bigint): void {
    this.offsetNs = ns - this.wallClockNs();
  }

  private updateIrq(): void {
    const level = this.irqEnabled && this.irqPending;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.set(level);
  }
}
