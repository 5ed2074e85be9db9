// virtio-rng, the entropy device (virtio 1.2 section 5.4): one request queue whose writable
// buffers the device fills with random bytes. Linux exposes it as /dev/hwrng.

import {
  OnceLogger,
  VIRTIO_ID_RNG,
  type VirtioDevice,
  type VirtioDeviceContext,
  type VirtioDeviceOptions,
} from './device.js';

/** Bytes returned per request at most (5.4.6: the device may return fewer than asked). */
export const RNG_MAX_BYTES_PER_REQUEST = 64 * 1024;
/** Web Crypto's limit per getRandomValues call. */
const GET_RANDOM_VALUES_LIMIT = 65536;

export interface VirtioRngOptions extends VirtioDeviceOptions {
  /** Fills `into` with entropy; defaults to globalThis.crypto.getRandomValues. */
  entropy?: (into: Uint8Array) => void;
  queueSize?: number;
}

function cryptoEntropy(into: Uint8Array): void {
  for (let at = 0; at < into.length; at += GET_RANDOM_VALUES_LIMIT) {
    globalThis.crypto.getRandomValues(into.subarray(at, at + GET_RANDOM_VALUES_LIMIT));
  }
}

/**
 * A reproducible byte stream (xorshift32) for deterministic runs: NOT entropy, only for tests and
 * `--icount` runs that must print the same output twice.
 */
export function deterministicEntropy(seed = 0x2545f491): (into: Uint8Array) => void {
  let state = seed | 0 || 1;
  return (into) => {
    for (let i = 0; i < into.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      into[i] = state & 0xff;
    }
  };
}

export class VirtioRngDevice implements VirtioDevice {
  readonly name = 'virtio-rng';
  readonly deviceId = VIRTIO_ID_RNG;
  readonly deviceFeatures = 0n;
  readonly queueSizes: readonly number[];
  readonly logger: OnceLogger;
  private context: VirtioDeviceContext | undefined;
  private readonly entropy: (into: Uint8Array) => void;

  constructor(options: VirtioRngOptions = {}) {
    this.logger = new OnceLogger(this.name, options.log);
    this.entropy = options.entropy ?? cryptoEntropy;
    this.queueSizes = [options.queueSize ?? 64];
  }

  bind(context: VirtioDeviceContext): void {
    this.context = context;
  }

  readConfig(): number {
    return 0; // no configuration space
  }

  writeConfig(): void {}

  queueNotify(queue: number): void {
    const context = this.context;
    if (context === undefined || queue !== 0) return;
    const q = context.queue(0);
    let used = false;
    for (let chain = q.pop(); chain !== undefined; chain = q.pop()) {
      const length = Math.min(chain.writableLength, RNG_MAX_BYTES_PER_REQUEST);
      if (length === 0) this.logger.report('request without a device-writable buffer');
      const bytes = new Uint8Array(length);
      if (length > 0) this.entropy(bytes);
      q.pushUsed(chain.head, chain.write(0, bytes));
      used = true;
    }
    if (used) context.notifyUsed(0);
  }

  reset(): void {}

  save(): Record<string, never> {
    return {};
  }

  restore(): void {}
}
