// A virtual Ethernet switch: ports exchange frames on one L2 segment. The switch learns which port
// each source MAC lives behind; frames to a known unicast MAC go to that port only, broadcasts,
// multicasts and unknown destinations are flooded to every other port.

import { macKey } from './packet.js';

export interface SwitchPort {
  /** Delivers a frame to whatever sits behind the port. */
  deliver(frame: Uint8Array): void;
}

const AGEING_MS = 300_000;

export class VirtualSwitch {
  private readonly ports = new Set<SwitchPort>();
  private readonly table = new Map<string, { port: SwitchPort; seen: number }>();
  stats = { forwarded: 0, flooded: 0, dropped: 0 };

  constructor(private readonly now: () => number = () => Date.now()) {}

  attach(port: SwitchPort): void {
    this.ports.add(port);
  }

  detach(port: SwitchPort): void {
    this.ports.delete(port);
    for (const [mac, entry] of this.table) if (entry.port === port) this.table.delete(mac);
  }

  get portCount(): number {
    return this.ports.size;
  }

  /** A frame that entered the switch on `from`. */
  input(from: SwitchPort, frame: Uint8Array): void {
    if (frame.length < 14 || !this.ports.has(from)) {
      this.stats.dropped++;
      return;
    }
    const now = this.now();
    const src = frame.subarray(6, 12);
    if ((src[0] & 1) === 0) this.table.set(macKey(src), { port: from, seen: now });
    const dst = frame.subarray(0, 6);
    if ((dst[0] & 1) === 0) {
      const entry = this.table.get(macKey(dst));
      if (entry !== undefined && now - entry.seen < AGEING_MS && this.ports.has(entry.port)) {
        if (entry.port !== from) {
          this.stats.forwarded++;
          entry.port.deliver(frame);
        }
        return;
      }
    }
    this.stats.flooded++;
    for (const port of this.ports) if (port !== from) port.deliver(frame);
  }
}
