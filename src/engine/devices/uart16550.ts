// NS16550A UART (register shift 0, byte-wide registers), per the National Semiconductor PC16550D
// datasheet. Transmission is instantaneous, so THR is always empty again by the time the guest
// looks; reception goes through a FIFO that the host fills with back-pressure (`receive` returns
// how many bytes fit) instead of dropping bytes with an overrun.

import type { AccessSize, IrqLine, MmioDevice } from '../bus.js';

// Register offsets (DLAB = LCR bit 7 selects the divisor latch at 0 and 1).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const IER_RDA = 0x01; // received data available
const IER_THRE = 0x02; // transmitter holding register empty
const IER_MS = 0x08; // modem status
const IER_MASK = 0x0f;

/**
 * IIR interrupt identification codes, datasheet Table 4, highest priority first. The receiver
 * line status interrupt (0x06, IER bit 2) is never raised: no receive errors can happen here.
 */
const IIR_NONE = 0x01;
const IIR_RDA = 0x04;
const IIR_TIMEOUT = 0x0c;
const IIR_THRE = 0x02;
const IIR_MS = 0x00;
const IIR_FIFO_ENABLED = 0xc0;

const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
/** Receiver trigger levels selected by FCR bits 7:6. */
const RX_TRIGGER = [1, 4, 8, 14];

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const MCR_MASK = 0x1f;

export const LSR_DR = 0x01;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;

const MSR_DCTS = 0x01;
const MSR_DDSR = 0x02;
const MSR_TERI = 0x04;
const MSR_DDCD = 0x08;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** Outside loopback the modem lines read as a connected, ready peer (as QEMU reports them). */
const MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

/** Receive FIFO depth of the 16550A (datasheet: 16 bytes); 1 in 16450 mode with FIFOs off. */
export const UART_FIFO_SIZE = 16;

export interface Uart16550State {
  rx: number[];
  ier: number;
  lcr: number;
  mcr: number;
  msr: number;
  scr: number;
  dll: number;
  dlm: number;
  fifoEnabled: boolean;
  rxTrigger: number;
  thrInterrupt: boolean;
}

export class Uart16550 implements MmioDevice {
  readonly name = 'uart16550';
  /**
   * Called when the guest frees receive space after `receive` could not take everything, so the
   * host can resume sending.
   */
  onReceiveReady: (() => void) | undefined;

  private rx: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private msr = MSR_CONNECTED;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private fifoEnabled = false;
  private rxTrigger = 1;
  /**
   * The THRE interrupt is an event, not a level: raised when THR becomes empty or when IER
   * enables it while empty; cleared by reading IIR while it is the reported source, or by writing
   * THR (datasheet Table 4, "Interrupt Reset Control").
   */
  private thrInterrupt = false;
  private hostWaiting = false;
  private irqLevel = false;

  constructor(
    private readonly irq: IrqLine,
    private readonly output: (byte: number) => void,
  ) {}

  /** Bytes the receive FIFO can take now. */
  receiveSpace(): number {
    return (this.fifoEnabled ? UART_FIFO_SIZE : 1) - this.rx.length;
  }

  canReceive(): boolean {
    return this.receiveSpace() > 0;
  }

  /** Host → guest: queue as many bytes as fit; returns how many were accepted. */
  receive(bytes: Uint8Array | readonly number[]): number {
    const accepted = Math.max(0, Math.min(bytes.length, this.receiveSpace()));
    for (let i = 0; i < accepted; i++) this.rx.push(bytes[i] & 0xff);
    if (accepted < bytes.length) this.hostWaiting = true;
    if (accepted > 0) this.updateIrq();
    return accepted;
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case RBR_THR_DLL:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case IER_DLM:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case IIR_FCR:
        return this.readIir();
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        // No overrun, parity, framing or break errors can occur, so only the status bits move.
        return (this.rx.length > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
      case MSR: {
        const value = this.msr;
        this.msr &= ~(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD); // deltas clear on read
        this.updateIrq();
        return value;
      }
      case SCR:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, value: number, _size: AccessSize): void {
    value &= 0xff;
    switch (offset) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) this.dll = value;
        else this.transmit(value);
        break;
      case IER_DLM:
        if (this.lcr & LCR_DLAB) this.dlm = value;
        else this.writeIer(value);
        break;
      case IIR_FCR:
        this.writeFcr(value);
        break;
      case LCR:
        this.lcr = value;
        break;
      case MCR:
        this.mcr = value & MCR_MASK;
        this.updateModemStatus();
        break;
      case SCR:
        this.scr = value;
        break;
      default:
        break; // LSR and MSR are read-only
    }
  }

  save(): Uart16550State {
    return {
      rx: [...this.rx],
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      msr: this.msr,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      fifoEnabled: this.fifoEnabled,
      rxTrigger: this.rxTrigger,
      thrInterrupt: this.thrInterrupt,
    };
  }

  restore(state: Uart16550State): void {
    this.rx = [...state.rx];
    this.ier = state.ier;
    this.lcr = state.lcr;
    this.mcr = state.mcr;
    this.msr = state.msr;
    this.scr = state.scr;
    this.dll = state.dll;
    this.dlm = state.dlm;
    this.fifoEnabled = state.fifoEnabled;
    this.rxTrigger = state.rxTrigger;
    this.thrInterrupt = state.thrInterrupt;
    this.hostWaiting = true; // let the host retry whatever it was holding back
    this.irqLevel = this.interruptId() !== IIR_NONE;
    this.irq.set(this.irqLevel);
  }

  private transmit(byte: number): void {
    this.thrInterrupt = false;
    if (this.mcr & MCR_LOOP) {
      // Loopback (datasheet, MCR bit 4): the transmitter feeds the receiver; a full FIFO drops it.
      if (this.receiveSpace() > 0) this.rx.push(byte);
    } else {
      this.output(byte);
    }
    // The byte left at once, so THR is empty again: that is a new THRE event.
    this.thrInterrupt = true;
    this.updateIrq();
  }

  private readRbr(): number {
    const byte = this.rx.shift() ?? 0;
    this.updateIrq();
    if (this.hostWaiting && this.canReceive()) {
      this.hostWaiting = false;
      this.onReceiveReady?.();
    }
    return byte;
  }

  private readIir(): number {
    const id = this.interruptId();
    if (id === IIR_THRE) {
      this.thrInterrupt = false;
      this.updateIrq();
    }
    return id | (this.fifoEnabled ? IIR_FIFO_ENABLED : 0);
  }

  private writeIer(value: number): void {
    const enabledThre = value & IER_THRE && !(this.ier & IER_THRE);
    this.ier = value & IER_MASK;
    // Enabling the THRE interrupt while THR is empty (always, here) raises it immediately;
    // Linux's 8250 driver relies on this to start transmitting.
    if (enabledThre) this.thrInterrupt = true;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const enable = (value & FCR_ENABLE) !== 0;
    // Changing the FIFO enable resets both FIFOs (datasheet, FCR bit 0).
    if (enable !== this.fifoEnabled || value & FCR_CLEAR_RX) this.rx = [];
    this.fifoEnabled = enable;
    this.rxTrigger = RX_TRIGGER[value >>> 6];
    this.updateIrq();
    if (this.hostWaiting && this.canReceive()) {
      this.hostWaiting = false;
      this.onReceiveReady?.();
    }
  }

  /** In loopback the modem inputs follow the MCR outputs (datasheet, MCR bit 4). */
  private updateModemStatus(): void {
    let lines = MSR_CONNECTED;
    if (this.mcr & MCR_LOOP) {
      lines =
        (this.mcr & MCR_RTS ? MSR_CTS : 0) |
        (this.mcr & MCR_DTR ? MSR_DSR : 0) |
        (this.mcr & MCR_OUT1 ? MSR_RI : 0) |
        (this.mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    const old = this.msr;
    const changed = (old ^ lines) & 0xf0;
    let deltas = old & 0x0f;
    if (changed & MSR_CTS) deltas |= MSR_DCTS;
    if (changed & MSR_DSR) deltas |= MSR_DDSR;
    if (changed & MSR_RI && !(lines & MSR_RI)) deltas |= MSR_TERI; // trailing edge only
    if (changed & MSR_DCD) deltas |= MSR_DDCD;
    this.msr = lines | deltas;
    this.updateIrq();
  }

  /** The highest-priority pending interrupt (datasheet Table 4), or IIR_NONE. */
  private interruptId(): number {
    if (this.ier & IER_RDA && this.rx.length > 0) {
      // Without baud timing a partly filled FIFO reports the character timeout at once, which
      // drivers handle exactly like received-data-available.
      return this.fifoEnabled && this.rx.length < this.rxTrigger ? IIR_TIMEOUT : IIR_RDA;
    }
    if (this.ier & IER_THRE && this.thrInterrupt) return IIR_THRE;
    if (this.ier & IER_MS && this.msr & 0x0f) return IIR_MS;
    return IIR_NONE;
  }

  private updateIrq(): void {
    const level = this.interruptId() !== IIR_NONE;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.set(level);
  }
}
