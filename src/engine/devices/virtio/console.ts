// virtio-console with a single port (virtio 1.2 section 5.3, no VIRTIO_CONSOLE_F_MULTIPORT):
// receiveq 0 carries host input to the guest, transmitq 1 guest output to the host. Linux binds it
// as hvc0. Input has back-pressure: `receive` takes only what the guest's posted buffers can hold
// and `onReceiveReady` fires when the guest posts more.

import {
  OnceLogger,
  VIRTIO_ID_CONSOLE,
  featureBit,
  type VirtioDevice,
  type VirtioDeviceContext,
  type VirtioDeviceOptions,
} from './device.js';
import { VirtqueueError } from './queue.js';

export const VIRTIO_CONSOLE_F_EMERG_WRITE = 2;
export const CONSOLE_RECEIVE_QUEUE = 0;
export const CONSOLE_TRANSMIT_QUEUE = 1;
/** Configuration space (5.3.4): cols u16, rows u16, max_nr_ports u32, then emerg_wr u32. */
const CONFIG_EMERG_WR = 8;
/** Output taken from one transmit buffer at most; the rest of a hostile giant chain is dropped. */
export const CONSOLE_MAX_BYTES_PER_BUFFER = 1024 * 1024;

export interface VirtioConsoleOptions extends VirtioDeviceOptions {
  /** Guest output. */
  output: (bytes: Uint8Array) => void;
  queueSize?: number;
}

export class VirtioConsoleDevice implements VirtioDevice {
  readonly name = 'virtio-console';
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly deviceFeatures = featureBit(VIRTIO_CONSOLE_F_EMERG_WRITE);
  readonly queueSizes: readonly number[];
  readonly logger: OnceLogger;
  /** Called when the guest posts receive buffers, so a host holding input back can retry. */
  onReceiveReady: (() => void) | undefined;
  private context: VirtioDeviceContext | undefined;

  constructor(private readonly options: VirtioConsoleOptions) {
    this.logger = new OnceLogger(this.name, options.log);
    const size = options.queueSize ?? 128;
    this.queueSizes = [size, size];
  }

  bind(context: VirtioDeviceContext): void {
    this.context = context;
  }

  /**
   * Host input for the guest: fills the guest's receive buffers and returns how many bytes were
   * taken (0 while the driver is not up or has no buffer posted). Never throws.
   */
  receive(bytes: Uint8Array | readonly number[]): number {
    const context = this.context;
    if (context === undefined || !context.live || bytes.length === 0) return 0;
    const q = context.queue(CONSOLE_RECEIVE_QUEUE);
    if (!q.ready) return 0;
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    let taken = 0;
    let used = false;
    try {
      while (taken < data.length) {
        const chain = q.pop();
        if (chain === undefined) break;
        if (chain.writableLength === 0) this.logger.report('receive buffer is not device-writable');
        const n = chain.write(0, data.subarray(taken));
        taken += n;
        q.pushUsed(chain.head, n);
        used = true;
      }
    } catch (err) {
      context.needsReset(err instanceof VirtqueueError ? err.message : String(err));
    }
    if (used) {
      context.notifyUsed(CONSOLE_RECEIVE_QUEUE);
      context.deviceEvent();
    }
    return taken;
  }

  readConfig(): number {
    // cols, rows and max_nr_ports read 0 (no VIRTIO_CONSOLE_F_SIZE / _MULTIPORT); so does emerg_wr.
    return 0;
  }

  writeConfig(offset: number, value: number, size: 1 | 2 | 4): void {
    // 5.3.4: emerg_wr outputs one character, usable before the queues are set up.
    if (offset === CONFIG_EMERG_WR && size === 4) this.options.output(Uint8Array.of(value & 0xff));
  }

  queueNotify(queue: number): void {
    const context = this.context;
    if (context === undefined) return;
    if (queue === CONSOLE_RECEIVE_QUEUE) {
      this.onReceiveReady?.();
      return;
    }
    if (queue !== CONSOLE_TRANSMIT_QUEUE) return;
    const q = context.queue(CONSOLE_TRANSMIT_QUEUE);
    let used = false;
    for (let chain = q.pop(); chain !== undefined; chain = q.pop()) {
      if (chain.readableLength === 0) this.logger.report('transmit buffer is not device-readable');
      let left = CONSOLE_MAX_BYTES_PER_BUFFER;
      for (const s of chain.readable) {
        if (left <= 0) break;
        const n = Math.min(s.length, left);
        this.options.output(context.ram.u8.slice(s.offset, s.offset + n));
        left -= n;
      }
      q.pushUsed(chain.head, 0);
      used = true;
    }
    if (used) context.notifyUsed(CONSOLE_TRANSMIT_QUEUE);
  }

  reset(): void {}

  save(): Record<string, never> {
    return {};
  }

  restore(): void {
    this.onReceiveReady?.(); // let the host retry whatever input it was holding back
  }
}
