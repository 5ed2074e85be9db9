// virtio-net (virtio 1.2 section 5.1) over any virtio transport: receiveq 0 carries frames from the
// host to the guest, transmitq 1 frames from the guest to the host. Offered: VIRTIO_NET_F_MAC (the
// host picks a stable, locally administered MAC), VIRTIO_NET_F_STATUS (link up) and
// VIRTIO_NET_F_MRG_RXBUF (a received frame may span several receive buffers). No checksum or
// segmentation offloads: the guest computes every checksum and never sends a frame above the MTU.
// Every frame starts with the 12-byte virtio_net_hdr (5.1.6; with VIRTIO_F_VERSION_1 num_buffers is
// always present). Malformed frames and chains are dropped and counted, never fatal.
//
// The host side is a NetworkBackend: `send` takes a guest frame, and the backend calls `onReceive`
// with frames for the guest. Frames arriving while the guest has posted no receive buffer wait in
// a bounded queue; beyond it they are dropped (and counted), as a real NIC would.

import {
  OnceLogger,
  featureBit,
  type VirtioDevice,
  type VirtioDeviceContext,
  type VirtioDeviceOptions,
} from './device.js';
import { VirtqueueError, type DescriptorChain } from './queue.js';

export const VIRTIO_ID_NET = 1;
export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_GUEST_CSUM = 1;
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_S_LINK_UP = 1;
export const NET_RECEIVE_QUEUE = 0;
export const NET_TRANSMIT_QUEUE = 1;
/** struct virtio_net_hdr with num_buffers (5.1.6). */
export const NET_HEADER_SIZE = 12;
/** Ethernet header. */
export const ETHERNET_HEADER_SIZE = 14;
/** Largest frame accepted either way: 1500-byte MTU + Ethernet header + an 802.1Q tag. */
export const MAX_FRAME_SIZE = 1518;
/** Frames held for the guest while it has no receive buffer posted. */
export const DEFAULT_RECEIVE_BACKLOG = 256;

/** The host end of a NIC. */
export interface NetworkBackend {
  /** A frame the guest sent (Ethernet header first, no virtio header). The backend may keep it. */
  send(frame: Uint8Array): void;
  /** Set by the device: the backend calls it with each frame for the guest. */
  onReceive: ((frame: Uint8Array) => void) | undefined;
  /** Release host resources (sockets, servers). */
  close?(): void | Promise<void>;
}

export interface NetStats {
  txFrames: number;
  txBytes: number;
  /** Guest frames dropped: a chain without a header, a runt, an oversized frame, a broken ring. */
  txDropped: number;
  rxFrames: number;
  rxBytes: number;
  /** Host frames dropped: the backlog was full, the frame was malformed or did not fit the buffers. */
  rxDropped: number;
}

export interface VirtioNetOptions extends VirtioDeviceOptions {
  /** 6 bytes; see macFromSeed. */
  mac: Uint8Array;
  backend: NetworkBackend;
  queueSize?: number;
  /** Frames held while the guest has no receive buffer (default DEFAULT_RECEIVE_BACKLOG). */
  receiveBacklog?: number;
}

/**
 * A locally administered MAC 52:54:00:xx:xx:xx (QEMU's prefix) whose last three bytes are a hash
 * (FNV-1a) of `seed`, so a VM gets the same address on every run.
 */
export function macFromSeed(seed: string): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Uint8Array.of(0x52, 0x54, 0x00, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}

/** "52:54:00:12:34:56" → bytes; undefined when the text is not a unicast MAC. */
export function parseMac(text: string): Uint8Array | undefined {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(
    text,
  );
  if (!m) return undefined;
  const bytes = Uint8Array.from(m.slice(1, 7).map((h) => parseInt(h, 16)));
  return (bytes[0] & 1) === 0 ? bytes : undefined;
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export class VirtioNetDevice implements VirtioDevice {
  readonly name = 'virtio-net';
  readonly deviceId = VIRTIO_ID_NET;
  readonly deviceFeatures =
    featureBit(VIRTIO_NET_F_MAC) | featureBit(VIRTIO_NET_F_STATUS) | featureBit(VIRTIO_NET_F_MRG_RXBUF);
  readonly queueSizes: readonly number[];
  readonly logger: OnceLogger;
  readonly mac: Uint8Array;
  readonly stats: NetStats = { txFrames: 0, txBytes: 0, txDropped: 0, rxFrames: 0, rxBytes: 0, rxDropped: 0 };
  private context: VirtioDeviceContext | undefined;
  private readonly backend: NetworkBackend;
  private readonly backlogLimit: number;
  private backlog: Uint8Array[] = [];
  /** Receive chains taken for a frame that needs more of them than were posted (MRG_RXBUF). */
  private held: DescriptorChain[] = [];
  private linkUp = true;

  constructor(options: VirtioNetOptions) {
    if (options.mac.length !== 6) throw new RangeError('a MAC address has 6 bytes');
    this.logger = new OnceLogger(this.name, options.log);
    this.mac = Uint8Array.from(options.mac);
    this.backend = options.backend;
    this.backlogLimit = options.receiveBacklog ?? DEFAULT_RECEIVE_BACKLOG;
    const size = options.queueSize ?? 256;
    this.queueSizes = [size, size];
    this.backend.onReceive = (frame) => this.receive(frame);
  }

  bind(context: VirtioDeviceContext): void {
    this.context = context;
  }

  /** Frames waiting for receive buffers. */
  get pendingReceive(): number {
    return this.backlog.length;
  }

  /** Set the link state the guest sees (a configuration change interrupt tells it). */
  setLink(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.context?.configChanged();
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    // 5.1.4: mac[6] at 0, status u16 at 6 (with VIRTIO_NET_F_STATUS); nothing else is offered.
    const config = new Uint8Array(8);
    config.set(this.mac, 0);
    config[6] = this.linkUp ? VIRTIO_NET_S_LINK_UP : 0;
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + (config[offset + i] ?? 0);
    return value;
  }

  writeConfig(): void {
    // mac is writable only with the legacy interface or VIRTIO_NET_F_CTRL_MAC_ADDR; ignore.
  }

  /** A frame from the backend: deliver it now, or keep it until the guest posts buffers. */
  receive(frame: Uint8Array): void {
    if (frame.length < ETHERNET_HEADER_SIZE || frame.length > MAX_FRAME_SIZE) {
      this.stats.rxDropped++;
      return;
    }
    if (this.context === undefined || !this.context.live) {
      this.stats.rxDropped++; // the driver is not up: a NIC without a driver drops its input
      return;
    }
    if (this.backlog.length >= this.backlogLimit) {
      this.stats.rxDropped++;
      return;
    }
    this.backlog.push(frame);
    if (this.backlog.length === 1) this.flushReceive();
  }

  /** Move waiting frames into the guest's receive buffers, as many as fit. */
  private flushReceive(): void {
    const context = this.context;
    if (context === undefined || !context.live || this.backlog.length === 0) return;
    const q = context.queue(NET_RECEIVE_QUEUE);
    if (!q.ready) return;
    const mergeable = context.hasFeature(VIRTIO_NET_F_MRG_RXBUF);
    let delivered = false;
    try {
      while (this.backlog.length > 0) {
        const frame = this.backlog[0];
        const total = NET_HEADER_SIZE + frame.length;
        // Collect chains until the frame fits (one chain without MRG_RXBUF).
        let room = this.held.reduce((n, c) => n + c.writableLength, 0);
        while (room < total && (mergeable || this.held.length === 0)) {
          const chain = q.pop();
          if (chain === undefined) break;
          if (chain.writableLength === 0) {
            // Useless buffer: give it back empty and count the guest's error.
            this.logger.report('receive buffer is not device-writable');
            q.pushUsed(chain.head, 0);
            delivered = true;
            continue;
          }
          this.held.push(chain);
          room += chain.writableLength;
        }
        if (room < total) {
          if (!mergeable && this.held.length > 0) {
            // A single buffer too small for this frame: drop the frame, return the buffer unused.
            this.stats.rxDropped++;
            this.backlog.shift();
            q.pushUsed(this.held[0].head, 0);
            this.held = [];
            delivered = true;
            continue;
          }
          break; // wait for more buffers (the chains taken so far stay held)
        }
        this.backlog.shift();
        const packet = new Uint8Array(total);
        packet.set(frame, NET_HEADER_SIZE);
        let at = 0;
        let used = 0;
        for (const chain of this.held) {
          if (at >= total) break;
          const n = chain.write(0, packet.subarray(at));
          at += n;
          used++;
        }
        // num_buffers (le16 at offset 10 of the header) lives in the first buffer.
        const first = this.held[0];
        first.write(10, Uint8Array.of(used & 0xff, used >> 8));
        at = 0;
        for (let i = 0; i < used; i++) {
          const chain = this.held[i];
          const n = Math.min(chain.writableLength, total - at);
          q.pushUsed(chain.head, n);
          at += n;
        }
        // Chains not needed (only possible when room was already large) wait for the next frame.
        this.held = this.held.slice(used);
        this.stats.rxFrames++;
        this.stats.rxBytes += frame.length;
        delivered = true;
      }
    } catch (err) {
      this.held = [];
      context.needsReset(err instanceof VirtqueueError ? err.message : String(err));
    }
    if (delivered) {
      context.notifyUsed(NET_RECEIVE_QUEUE);
      context.deviceEvent();
    }
  }

  queueNotify(queue: number): void {
    const context = this.context;
    if (context === undefined) return;
    if (queue === NET_RECEIVE_QUEUE) {
      this.flushReceive();
      return;
    }
    if (queue !== NET_TRANSMIT_QUEUE) return;
    const q = context.queue(NET_TRANSMIT_QUEUE);
    let used = false;
    for (let chain = q.pop(); chain !== undefined; chain = q.pop()) {
      const length = chain.readableLength - NET_HEADER_SIZE;
      if (length < ETHERNET_HEADER_SIZE || length > MAX_FRAME_SIZE) {
        this.stats.txDropped++;
        this.logger.report(`transmit chain of ${chain.readableLength} bytes is not a frame`);
      } else {
        const frame = new Uint8Array(length);
        chain.read(NET_HEADER_SIZE, frame);
        this.stats.txFrames++;
        this.stats.txBytes += length;
        try {
          this.backend.send(frame);
        } catch (err) {
          this.stats.txDropped++;
          this.logger.report(`backend refused a frame: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      q.pushUsed(chain.head, 0);
      used = true;
    }
    if (used) context.notifyUsed(NET_TRANSMIT_QUEUE);
  }

  reset(): void {
    this.backlog = [];
    this.held = [];
  }

  save(): { linkUp: boolean } {
    return { linkUp: this.linkUp };
  }

  restore(state: unknown): void {
    this.backlog = [];
    this.held = [];
    if (typeof state === 'object' && state !== null && 'linkUp' in state) this.linkUp = Boolean(state.linkUp);
  }
}
