// The serial console on the host terminal: guest output to stdout, stdin into the UART with
// back-pressure, raw mode on a TTY and QEMU's escape sequence Ctrl-A X to quit (Ctrl-A Ctrl-A
// sends a literal Ctrl-A).

import type { Uart16550 } from '../engine/devices/uart16550.js';

/** Where typed input goes: the UART, or another console device with the same back-pressure API. */
export type ConsoleInputDevice = Pick<Uart16550, 'receive' | 'onReceiveReady'>;

const CTRL_A = 0x01;

export interface ConsoleOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  onQuit: () => void;
}

export class HostConsole {
  private pendingInput: number[] = [];
  private escape = false;
  private outBuffer: number[] = [];
  private readonly rawMode: boolean;
  private readonly onData = (chunk: Buffer) => this.handleInput(chunk);

  constructor(
    private readonly uart: ConsoleInputDevice,
    private readonly options: ConsoleOptions,
  ) {
    this.rawMode = options.input.isTTY === true;
    if (this.rawMode) options.input.setRawMode(true);
    options.input.on('data', this.onData);
    uart.onReceiveReady = () => this.deliver();
  }

  /** Collect a byte of guest output (written out by flush()). */
  write(byte: number): void {
    this.outBuffer.push(byte);
  }

  flush(): void {
    if (this.outBuffer.length === 0) return;
    this.options.output.write(Buffer.from(this.outBuffer));
    this.outBuffer = [];
  }

  private handleInput(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.rawMode && this.escape) {
        this.escape = false;
        if (byte === 0x78 || byte === 0x58) {
          this.options.onQuit();
          return;
        }
        if (byte === CTRL_A) this.pendingInput.push(CTRL_A);
        continue;
      }
      if (this.rawMode && byte === CTRL_A) {
        this.escape = true;
        continue;
      }
      this.pendingInput.push(byte);
    }
    this.deliver();
  }

  /** Move queued input into the UART FIFO; pause stdin while the guest is not reading. */
  deliver(): void {
    if (this.pendingInput.length > 0) {
      const taken = this.uart.receive(this.pendingInput);
      this.pendingInput = this.pendingInput.slice(taken);
    }
    if (this.pendingInput.length > 0) this.options.input.pause();
    else this.options.input.resume();
  }

  close(): void {
    this.flush();
    this.options.input.off('data', this.onData);
    if (this.rawMode) this.options.input.setRawMode(false);
    this.options.input.pause();
  }
}
