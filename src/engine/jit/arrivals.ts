// Entry offsets recorded per RAM page until the page is translated (jit.ts: control arrived
// there by a jump, a call, a return or a trap). Recorded on every arrival at an untranslated
// offset, about two million times in a Debian boot: a Map of Sets cost ~125 ms of the guest's
// thread (--cpu-prof self time), this costs a few nanoseconds a time. Each page with arrivals gets a slot: a bitmap of its
// 2048 halfword offsets (64 words) and a count.

/** Offsets kept per page at most: a translation from more entries than this gains nothing. */
export const MAX_ARRIVALS = 64;

const WORDS = 2048 / 32;

export class ArrivalSets {
  /** Per page: slot + 1, or 0 when the page has no arrivals. */
  private readonly slotOf: Int32Array;
  private bits = new Uint32Array(64 * WORDS);
  private counts = new Uint8Array(64);
  private readonly free: number[] = [];
  private nextSlot = 0;

  constructor(pages: number) {
    this.slotOf = new Int32Array(pages);
  }

  /** Record an arrival at byte `offset` (even, < 4096) of `page`, unless MAX_ARRIVALS are kept. */
  add(page: number, offset: number): void {
    let slot = this.slotOf[page] - 1;
    if (slot < 0) {
      slot = this.allocate();
      this.slotOf[page] = slot + 1;
    }
    if (this.counts[slot] >= MAX_ARRIVALS) return;
    const half = offset >>> 1;
    const word = slot * WORDS + (half >>> 5);
    const bit = 1 << (half & 31);
    if ((this.bits[word] & bit) !== 0) return;
    this.bits[word] |= bit;
    this.counts[slot]++;
  }

  /** Arrivals kept for `page`. */
  count(page: number): number {
    const slot = this.slotOf[page] - 1;
    return slot < 0 ? 0 : this.counts[slot];
  }

  /** Add the page's arrivals (byte offsets, ascending) to `into`. */
  addTo(page: number, into: Set<number>): void {
    const slot = this.slotOf[page] - 1;
    if (slot < 0) return;
    for (let w = 0; w < WORDS; w++) {
      let word = this.bits[slot * WORDS + w];
      while (word !== 0) {
        const low = 31 - Math.clz32(word & -word);
        into.add((w * 32 + low) * 2);
        word &= word - 1;
      }
    }
  }

  /** Forget the page's arrivals. */
  clear(page: number): void {
    const slot = this.slotOf[page] - 1;
    if (slot < 0) return;
    this.slotOf[page] = 0;
    this.bits.fill(0, slot * WORDS, (slot + 1) * WORDS);
    this.counts[slot] = 0;
    this.free.push(slot);
  }

  /** Forget every page's arrivals. */
  clearAll(): void {
    this.slotOf.fill(0);
    this.bits.fill(0);
    this.counts.fill(0);
    this.free.length = 0;
    this.nextSlot = 0;
  }

  private allocate(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    if (this.nextSlot === this.counts.length) {
      // At most one slot per RAM page: the growth is bounded by the guest's RAM (256 bytes a page).
      const bits = new Uint32Array(this.bits.length * 2);
      bits.set(this.bits);
      this.bits = bits;
      const counts = new Uint8Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    return this.nextSlot++;
  }
}
