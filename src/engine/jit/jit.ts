// The fast tier: hot pages of guest code run as WebAssembly (translate.ts), everything else in the
// interpreter, which stays the reference. This file holds the code cache and the run loop that
// moves between the two.
//
// - Hotness: instructions the interpreter executes are counted against the physical page they
//   started in; a page that reaches the threshold is translated from the entry offsets seen.
// - Entries: the runtime enters a page function only at a block start it was translated for; an
//   unknown entry is recorded and makes the page hot again, so it is retranslated with it (a
//   bounded number of times per page).
// - Invalidation: a translated page is marked in GuestRam.codePages. The MMU installs no write
//   TLB entries for such pages, so every store to them (by either tier), DMA and the loader
//   report through GuestRam.noteWrite and the translation is dropped before any stale code can
//   run again. A page rewritten too often is left to the interpreter.
// - Bounded memory: when the cache holds more than the configured pages or wasm bytes, it is
//   emptied entirely (as QEMU's TB flush), so a guest generating code cannot exhaust the host.

import type { GuestRam } from '../memory.js';
import type { Hart } from '../cpu/hart.js';
import { readExitPc, writeExitPc, type MachineMemory } from '../cpu/hart-state.js';
import { runSlice as interpret } from '../cpu/interpreter.js';
import { pageNumber, probeFetch, probeRead, probeWrite } from '../cpu/mmu.js';
import { DecodeCache } from '../cpu/decoder.js';
import { effectiveAddress } from '../cpu/execute-other.js';
import { accessWidth, isStore } from './access-groups.js';
import { DOUBLE_ZERO } from '../cpu/int64.js';
import { ArrivalSets } from './arrivals.js';
import { pageDigest } from './page-digest.js';
import { buildDispatcher } from './dispatcher.js';
import { pageImports } from './import-trampolines.js';
import { CSR_TIME, MSTATUS_FS } from '../cpu/csr-numbers.js';
import { csrAccessible } from '../cpu/csr.js';
import type { FpOp } from '../cpu/fpu/fp-ops.js';
import {
  DEFAULT_LIMITS,
  EXIT_BUDGET,
  EXIT_INTERPRET,
  EXIT_JUMP,
  EXIT_MISS,
  translatePage,
  translatePageCopy,
  type TranslateLimits,
} from './translate.js';

export interface JitOptions {
  /**
   * Interpreted instructions in a page before it is translated (default 40000). A translation
   * costs about what interpreting 100,000 instructions does, so pages that run only briefly
   * (most of a kernel's boot code) are cheaper to interpret: on the Debian boot, 2000 gave
   * 1,280 translations and 9.4 s, 40,000 gave 530 translations and 7.9 s.
   */
  hotThreshold?: number;
  /**
   * The same for a translated page entered where its translation has no block (default: see
   * the constructor).
   */
  retranslateThreshold?: number;
  /** Translations of one page before it is left to the interpreter (default 24). */
  maxTranslationsPerPage?: number;
  /** Writes to a translated page before it is left to the interpreter (default 32). */
  maxInvalidationsPerPage?: number;
  /** Code-cache limits: translated pages and wasm bytes (defaults 16384 and 96 MiB). */
  maxPages?: number;
  maxCodeBytes?: number;
  /** Longest run of the interpreter between looks at the code cache (default 256). */
  burst?: number;
  limits?: Partial<TranslateLimits>;
  /**
   * Compile translations on V8's background threads (WebAssembly.compile) and install them when
   * ready, instead of blocking the guest. Needs the caller to return to the event loop between
   * runs. Off by default: on a 2-core host the Debian boot measured slower with it (11.2 s vs
   * 10.2 s; the guest interprets 3x more while compiles are in flight, and V8's compile is only
   * ~30% of a translation, the rest being code generation here). See `translator` for moving
   * all of it to another thread.
   */
  asyncCompile?: boolean;
  /**
   * The machine's time follows the instruction count (--icount): rdtime then runs in the
   * interpreter, which knows the exact count (set by Machine).
   */
  deterministicTime?: boolean;
  /**
   * Translate pages elsewhere (e.g. on a worker thread: src/host/translation-worker.ts): the page
   * keeps running as before (interpreted, or its previous translation) until the result
   * arrives, which needs the caller to return to the event loop between runs.
   */
  translator?: PageTranslator;
  /**
   * The second tier: a translator whose code V8 compiles with its optimizing compiler (it is
   * asked with `optimize`; e.g. host/translation-worker.ts WorkerTranslator({ optimizing: true })).
   * A translated page that has run `optimizeAfter` instructions for each byte of its wasm is
   * translated again by it, and the result replaces the page's code (same blocks, faster code).
   */
  optimizer?: PageTranslator;
  /** Instructions a translated page runs per byte of its wasm before it is optimized (default 2000). */
  optimizeAfter?: number;
  /**
   * Milliseconds without a first-tier translation before the second tier may start one (default
   * 100), and it does one at a time. While the guest keeps making new code hot (a boot), the
   * host's cores are the guest's and the first tier's: on the 2-core development machine a
   * Debian boot was 0.15-0.4 s slower with six TurboFan compiles (0.4-0.7 s of a thread at a
   * low priority), and as slow with them compiled but never installed.
   */
  optimizeWhenQuietMs?: number;
  /**
   * Translate every page straight into the second tier's code, on this thread (differential
   * tests of V8's optimizing compiler against the interpreter; slow to compile).
   */
  optimizeAll?: boolean;
  /**
   * Pages translated in earlier runs (Jit.profileEntries, kept by the host between runs): the
   * translations' entry offsets by the digest of the page's content when it first ran
   * (page-digest.ts). A page whose content is in it is translated when it first runs, with those
   * entries, instead of after hotThreshold interpreted instructions: the same kernel boots with
   * its hot pages translated from the start. Only hints: code always comes from the page's
   * current bytes. Given (even empty), the JIT also notes the digests for profileEntries.
   */
  profile?: ReadonlyMap<string, readonly number[]>;
}

/** A translated, compiled page, as a PageTranslator delivers it. */
export interface TranslatedPage {
  module: WebAssembly.Module;
  /** PageTranslation.resume, and the size of the wasm code. */
  resume: Uint8Array;
  byteLength: number;
  /** Milliseconds of translation work, wherever it ran. */
  ms: number;
}

/** Translates pages asynchronously (translate.ts translatePage, then compiles the module). */
export interface PageTranslator {
  /**
   * Requests worth handing over at once (default: all). A translator working through them one
   * at a time gets few, and the JIT picks which page goes next (see Jit.sendQueued).
   */
  readonly concurrency?: number;
  /**
   * `code` is a copy of the page's 4096 bytes; the translator may keep it. `optimize`: the
   * second tier's request; `ungrouped`: offsets whose blocks get no access groups (translate.ts
   * translatePage).
   */
  translate(
    code: Uint8Array,
    entries: number[],
    sweep: boolean,
    limits: TranslateLimits,
    optimize?: boolean,
    ungrouped?: number[],
  ): Promise<TranslatedPage>;
  /**
   * Optional, with `poll`: translate's request with its outcome handed to `settle` instead of a
   * promise, called from `poll` (which the JIT calls at every slice) or else from the event loop,
   * whichever takes the answer first. A promise's reaction waits until the guest's thread
   * returns to the event loop, after a whole burst, which takes ~8 ms when the burst is cold code
   * in the interpreter: the time a translation is wanted most. (Answers waited 1.3 ms on average
   * for it in a Debian boot, up to 24; while the translator, out of work meanwhile, waited too.)
   */
  request?(
    code: Uint8Array,
    entries: number[],
    sweep: boolean,
    limits: TranslateLimits,
    optimize: boolean,
    ungrouped: number[],
    settle: (outcome: TranslatedPage | Error) => void,
  ): void;
  /** Hand the answers that have arrived to their requests' `settle` now. */
  poll?(): void;
}

/** Generates code here, compiles it on V8's threads (JitOptions.asyncCompile). */
const compileInBackground: PageTranslator = {
  async translate(code, entries, sweep, limits) {
    const started = performance.now();
    const result = translatePageCopy(code, entries, limits, sweep);
    const generated = performance.now() - started;
    const module = await WebAssembly.compile(result.bytes);
    return { module, resume: result.resume, byteLength: result.bytes.length, ms: generated };
  },
};

export interface JitStats {
  /** Page translations (retranslations included) and the time they took. */
  translations: number;
  translateMs: number;
  /** Translated pages and their wasm bytes now in the cache. */
  pages: number;
  codeBytes: number;
  /** Instructions executed by translated code, the calls into it and its exits to the interpreter. */
  instructions: number;
  calls: number;
  exits: number;
  /** Mid-block resumptions: short interpreter runs to the end of a translated block. */
  resumes: number;
  /** Instructions the interpreter executed for the JIT (exits included). */
  interpreted: number;
  /** Translations dropped because their page was written, and whole-cache flushes. */
  invalidations: number;
  flushes: number;
  /** Pages given up because translated code kept leaving after a few instructions. */
  abandoned: number;
  /** Asynchronous compilations whose page was written (or the cache flushed) meanwhile. */
  discarded: number;
  /** Pages whose code the second tier (JitOptions.optimizer) replaced, and its time. */
  optimized: number;
  optimizeMs: number;
  /** Pages translated when they first ran, their content being in JitOptions.profile. */
  profileHits: number;
}

type Dispatch = (state: number, budget: number, dataSet: number, fetchSet: number) => number;

interface PageCode {
  /** Slot of the page function in the function table (and in the code index). */
  slot: number;
  /** Offsets the page was translated from, and whether all of the page was (translatePage). */
  entries: number[];
  sweep: boolean;
  bytes: number;
  /** PageTranslation.resume */
  resume: Uint8Array;
  /** Exits to the interpreter from this page, and instructions run by the calls ending so. */
  exits: number;
  executed: number;
  /** Instructions of the slices that ran out of budget in this page (Jit.sample). */
  sampled: number;
  /** Exits at loads and stores that would not have left on their own (Jit.leftGroup). */
  groupExits: number;
  /** The second tier: not asked, waiting, asked, or its code installed. */
  tier: PageTier;
}

const enum PageTier {
  BASELINE,
  /** Run enough: waits in Jit.ready for the first tier to be quiet. */
  READY,
  OPTIMIZING,
  OPTIMIZED,
}

/** A page waiting for the translator: the entries and sweep it was made hot with. */
interface QueuedTranslation {
  page: number;
  entries: number[];
  sweep: boolean;
}

const NO_PAGE = -1;

/**
 * The offset of `pc` in its page, with h.fetchPage/fetchOffset made to describe that page (from
 * the interpreter's fetch cache or the fetch TLB; no walk, no fault), or -1 when neither knows it.
 */
function offsetInFetchPage(h: Hart, pc: number): number {
  const inPage = pc - h.fetchPage;
  if (inPage >= 0 && inPage < 4096) return inPage;
  return probeFetch(h, pc) ? pc - h.fetchPage : -1;
}

/** Whether the instruction at pc (in the hart's fetch page) is sret or mret. */
function isTrapReturn(h: Hart, pc: number): boolean {
  const inPage = pc - h.fetchPage;
  if (inPage < 0 || inPage > 4092) return false;
  const u16 = h.ram.u16;
  const at = (h.fetchOffset + inPage) >>> 1;
  // sret 0x10200073, mret 0x30200073 (privileged spec 3.3.2): the same low half.
  return u16[at] === 0x0073 && (u16[at + 1] === 0x1020 || u16[at + 1] === 0x3020);
}

/**
 * Exits of a page at loads and stores whose own page the TLB held (an access group's span did not
 * fit on one page: see noteExit) before the page is translated again without the groups of the
 * blocks concerned; and such blocks per page at most.
 */
const GROUP_EXITS = 32;
const MAX_UNGROUPED = 16;

/** Second-tier compilations of one page at most (until a flush). */
const MAX_OPTIMIZATIONS_PER_PAGE = 4;

/** A page averaging fewer instructions per exit than POOR_PAGE_RATIO is left to the interpreter. */
const POOR_PAGE_EXITS = 2000;
const POOR_PAGE_RATIO = 6;

export class Jit {
  readonly stats: JitStats = {
    translations: 0,
    // Counters that outgrow int32 (and the float translateMs) start as doubles (int64.ts).
    translateMs: DOUBLE_ZERO,
    pages: 0,
    codeBytes: 0,
    instructions: DOUBLE_ZERO,
    calls: 0,
    exits: 0,
    resumes: 0,
    interpreted: DOUBLE_ZERO,
    invalidations: 0,
    flushes: 0,
    abandoned: 0,
    discarded: 0,
    optimized: 0,
    optimizeMs: DOUBLE_ZERO,
    profileHits: 0,
  };
  private readonly code: (PageCode | undefined)[];
  private readonly heat: Float64Array;
  /** Entry offsets seen at pages without (or missing from) a translation. */
  private readonly pending: ArrivalSets;
  private readonly translations: Uint8Array;
  private readonly invalidations: Uint8Array;
  private readonly hotThreshold: number;
  private readonly retranslateThreshold: number;
  /** Translations of a page after which the next ones cover all of it. */
  private readonly sweepAfter: number;
  private readonly maxTranslations: number;
  private readonly maxInvalidations: number;
  private readonly maxPages: number;
  private readonly maxCodeBytes: number;
  private readonly burst: number;
  private readonly limits: TranslateLimits;
  private readonly imports: WebAssembly.Imports;
  /** Page functions by slot (slot 0 stays empty: "no code" in the code index). */
  private readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: 256 });
  private readonly freeSlots: number[] = [];
  private nextSlot = 1;
  private readonly dispatch: Dispatch;
  /** Asynchronous translation: pages queued or being translated, write versions, flush epoch, a failure. */
  private readonly translator: PageTranslator | undefined;
  private readonly compiling: Uint8Array;
  private readonly versions: Uint32Array;
  private epoch = 0;
  private asyncError: Error | undefined;
  /** Translations waiting for the translator (see sendQueued), and how many it has in hand. */
  private readonly queue: QueuedTranslation[] = [];
  private inFlight = 0;
  /** The second tier (see JitOptions.optimizer); undefined once it has failed. */
  private optimizer: PageTranslator | undefined;
  private readonly optimizeAfter: number;
  private readonly optimizeWhenQuietMs: number;
  private readonly optimizeAll: boolean;
  /** Second-tier requests per page (bounded: a page retranslated again and again asks again). */
  private readonly optimizations: Uint8Array;
  /** By page: offsets whose blocks are translated without access groups (see noteExit). */
  private readonly ungrouped = new Map<number, number[]>();
  /**
   * JitOptions.profile; and by page, the digest of its content when it first ran (see noteEntry;
   * an array, as `code`: it is looked at on every interpreted burst of a page not translated).
   */
  private readonly profile: ReadonlyMap<string, readonly number[]> | undefined;
  private readonly firstDigest: (string | undefined)[];
  /** Entries of the translations asked of the translator and not back yet, by page. */
  private readonly requested = new Map<number, number[]>();
  /** Pages waiting for the second tier (stale ones are skipped), one of them being optimized, */
  private readonly ready: number[] = [];
  private optimizing = false;
  /** and when the first tier was last asked for a translation (performance.now()). */
  private lastTranslation = -Infinity;

  constructor(
    private readonly memory: MachineMemory,
    private readonly ram: GuestRam,
    private readonly harts: Hart[],
    options: JitOptions = {},
  ) {
    const pages = ram.size >>> 12;
    this.code = new Array<PageCode | undefined>(pages).fill(undefined);
    this.heat = new Float64Array(pages);
    this.pending = new ArrivalSets(pages);
    this.translations = new Uint8Array(pages);
    this.invalidations = new Uint8Array(pages);
    this.hotThreshold = options.hotThreshold ?? 40000;
    this.maxTranslations = options.maxTranslationsPerPage ?? 24;
    this.maxInvalidations = options.maxInvalidationsPerPage ?? 32;
    this.maxPages = options.maxPages ?? 16384;
    this.maxCodeBytes = options.maxCodeBytes ?? 96 * 1024 * 1024;
    this.burst = options.burst ?? 256;
    this.translator = options.translator ?? (options.asyncCompile === true ? compileInBackground : undefined);
    // Retranslating a page entered somewhere new. On the guest's thread (no translator), every
    // translation is time the guest waits: the second covers all of the page (a linear sweep) so
    // that a third is rarely needed, and comes after 4000 instructions at the new entries. (The
    // first stays lean: sweeping every page doubled the code of a Debian boot for fewer than a
    // quarter of the translations saved.) On a worker, translations cost the guest nothing but
    // their latency: retranslations cover their entries only, up to the eighth, and wait for as
    // much heat as first ones. Measured on the Debian boot (4 interleaved pairs): the same boot
    // time (6.31 s mean each) with 9.2 MB of wasm instead of 16.3 MB; entries-only with the
    // 4000 threshold made ~870 translations and 3.4-3.7 s of worker time (~630 and 2.5-2.8 s with
    // 40,000). On the guest's thread, entries-only took intmix 2-5 more translations
    // (0.30 -> 0.37 s).
    const onWorker = this.translator !== undefined;
    this.sweepAfter = onWorker ? 8 : 1;
    this.retranslateThreshold =
      options.retranslateThreshold ?? (onWorker ? this.hotThreshold : Math.min(this.hotThreshold, 4000));
    this.compiling = new Uint8Array(pages);
    this.versions = new Uint32Array(pages);
    this.optimizer = options.optimizer;
    this.optimizeAfter = options.optimizeAfter ?? 2000;
    this.optimizeWhenQuietMs = options.optimizeWhenQuietMs ?? 100;
    this.optimizeAll = options.optimizeAll === true;
    this.optimizations = new Uint8Array(pages);
    this.profile = options.profile;
    this.firstDigest = new Array<string | undefined>(pages).fill(undefined);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const deterministicTime = options.deterministicTime === true;
    const byState = new Map(harts.map((h) => [h.state.offset, h]));
    this.imports = pageImports(memory.memory, {
      // F/D computation for translated code: the interpreter's path (execute-other.ts, Op.FP).
      // 0 = done; 1 = illegal here (FS off, reserved rounding mode), nothing changed.
      fp: (state: number, a: number, b: number): number => {
        const h = byState.get(state)!;
        if ((h.mstatus & MSTATUS_FS) === 0) return 1;
        if (
          !h.fpu.execute(
            (a & 0xff) as FpOp,
            (a >>> 8) & 0xff,
            (a >>> 16) & 0xff,
            a >>> 24,
            b & 0xff,
            b >>> 8,
            h.regs,
          )
        ) {
          return 1;
        }
        h.mstatus |= MSTATUS_FS;
        return 0;
      },
      // rdtime (csr.ts readCsr): the clock now, or -1 for the interpreter when the counter is
      // not accessible here or time follows the instruction count (which translated code
      // knows only at its exit).
      time: (state: number): number => {
        const h = byState.get(state)!;
        if (deterministicTime || !csrAccessible(h, CSR_TIME, false)) return -1;
        return h.readTime();
      },
      // sfence.vma with an address (execute-other.ts, Op.SFENCE_VMA; translated code checked
      // the privilege): 1 when everything was flushed.
      sfence: (state: number, lo: number, hi: number): number => {
        const h = byState.get(state)!;
        return h.flushPage(pageNumber(lo, hi)) ? 1 : 0;
      },
    });
    const dispatcher = new WebAssembly.Instance(
      new WebAssembly.Module(buildDispatcher(memory.codeIndexOffset)),
      {
        env: { memory: memory.memory, table: this.table },
      },
    );
    this.dispatch = dispatcher.exports.dispatch as Dispatch;
    ram.onCodeWrite = (page) => this.invalidate(page);
  }

  /** First-tier translations requested and not yet settled (queued or with the translator). */
  get pendingTranslations(): number {
    return this.queue.length + this.inFlight;
  }

  /**
   * Run up to `budget` instructions of hart `h`, as the interpreter's runSlice does (same return
   * value, same early return when the slice must end), using translated code where there is some.
   */
  runSlice(h: Hart, budget: number): number {
    // Translations that have arrived go in now (see PageTranslator.request).
    this.translator?.poll?.();
    this.optimizer?.poll?.();
    if (this.asyncError !== undefined) throw this.asyncError;
    h.endSlice = false;
    const state = h.state.offset;
    const exitPc = h.exitPc;
    const exitKind = h.exitKind;
    const stats = this.stats;
    let n = budget;
    // Whether control arrived at h.pc (a jump, a call, a return, a trap) rather than reached it in
    // sequence (the end of an interpreted burst or of the previous slice, the instruction after
    // one run by the interpreter). Only arrivals are recorded as entries to translate a page
    // with: a block starts at every entry, and the arbitrary offsets where bursts end would cut a
    // hot loop into one-instruction blocks, each with its own budget check (measured: the
    // kernel's bignum loops, a third of a Debian boot's instructions, ran that way).
    let arrived = false;
    while (n > 0) {
      // Translated code first: the dispatcher runs and chains page functions while it can.
      writeExitPc(exitPc, h.pc);
      exitKind[0] = EXIT_JUMP;
      const left = this.dispatch(state, n, h.dataSet, h.fetchSet);
      const executed = n - left;
      if (executed !== 0) {
        stats.calls++;
        stats.instructions += executed;
        h.instret += executed;
        n = left;
        h.pc = readExitPc(exitPc);
      }
      const kind = exitKind[0];
      if (executed !== 0) arrived = kind === EXIT_JUMP || kind === EXIT_MISS;
      if (kind === EXIT_INTERPRET) {
        this.noteExit(h, executed);
        // A block ending with an instruction for the interpreter may use up the budget before
        // it: that instruction belongs to the next slice (else the slice runs one too many).
        if (n <= 0) break;
        const before = h.pc;
        const trapReturn = isTrapReturn(h, before);
        n -= interpret(h, 1, false, true);
        // A jump or a trap arrives; a return from a trap (sret, mret) goes back to wherever the
        // trap came from, mid-block as often as not.
        arrived = h.pc !== before + 4 && h.pc !== before + 2 && !trapReturn;
        stats.interpreted++;
        stats.exits++;
        if (h.endSlice) break;
        // The next instruction usually lies inside the same translated block: interpret to the
        // block's end now, rather than entering the page function only to miss there.
        const inPage = h.pc - h.fetchPage;
        if (inPage >= 0 && inPage < 4096 && n > 0) {
          const rest = this.code[(h.fetchOffset + inPage) >>> 12]?.resume[inPage >>> 1] ?? 0;
          if (rest !== 0) {
            const done = interpret(h, n < rest ? n : rest, false, true);
            n -= done;
            stats.interpreted += done;
            stats.resumes++;
            if (h.endSlice) break;
          }
        }
        continue;
      }
      if (kind === EXIT_BUDGET) {
        if (this.optimizer !== undefined) this.sample(h, budget);
        n -= interpret(h, n, false, true);
        break;
      }
      if (n <= 0) break;
      // No translated code at pc (EXIT_JUMP: a TLB miss or an untranslated page; EXIT_MISS: the
      // page's translation has no block there): count, maybe translate, else interpret a while.
      const pc = h.pc;
      const inPage = offsetInFetchPage(h, pc);
      let page = NO_PAGE;
      if (inPage >= 0) {
        page = (h.fetchOffset + inPage) >>> 12;
        const code = this.code[page];
        if (code !== undefined && kind === EXIT_MISS) {
          // Inside a translated block: interpret to its end, where translated code takes over
          // again. When translated code jumped here (it ran before missing), the offset is a real
          // jump target: count it towards retranslating the page with a block starting there.
          // (Slices, exits and interrupts also resume mid-block: those offsets are arbitrary.)
          const rest = code.resume[inPage >>> 1];
          if (rest !== 0) {
            if (arrived && this.noteEntry(page, inPage, true)) continue;
            const done = interpret(h, n < rest ? n : rest, false, true);
            n -= done;
            stats.interpreted += done;
            stats.resumes++;
            if (arrived) this.heat[page] += done;
            if (h.endSlice) break;
            continue;
          }
        }
        if (kind === EXIT_MISS || code === undefined) {
          if (this.noteEntry(page, inPage, arrived)) continue;
        }
      }
      // A fetch-TLB miss: one instruction fills the TLB, then translated code may take over.
      const at = h.pc;
      const requested = page === NO_PAGE ? 1 : n < this.burst ? n : this.burst;
      const done = interpret(h, requested, true, true);
      if (page === NO_PAGE && arrived) {
        // The arrival was at the instruction that filled the TLB: record it now that it maps.
        const atPage = offsetInFetchPage(h, at);
        if (atPage >= 0) this.pending.add((h.fetchOffset + atPage) >>> 12, atPage);
      }
      // A burst stops early where control leaves the page (or traps): an arrival elsewhere.
      arrived = done < requested;
      n -= done;
      stats.interpreted += done;
      if (page !== NO_PAGE) this.heat[page] += done;
      if (h.endSlice) break;
    }
    return budget - n;
  }

  /**
   * The slice (`budget` instructions) ran out in translated code at h.pc: a sample of where the
   * guest spends its time, taken at no cost to translated code (which counts nothing per page).
   * Sampled time per page approximates instructions run there; a page that has run enough for
   * its size is compiled again by the second tier, which takes ~10x Liftoff's compile time to
   * make code that runs 12-27% faster. With the default optimizeAfter (2000 instructions a
   * byte) that compile costs about four times what the page ran so far, on another thread: only
   * pages that keep running (a guest's compute loops, not its boot code) get there in practice.
   */
  private sample(h: Hart, budget: number): void {
    const inPage = offsetInFetchPage(h, h.pc);
    if (inPage < 0) return;
    const page = (h.fetchOffset + inPage) >>> 12;
    const code = this.code[page];
    if (code !== undefined && code.tier === PageTier.BASELINE) {
      code.sampled += budget;
      if (code.sampled >= this.optimizeAfter * code.bytes) {
        code.tier = PageTier.READY;
        if (this.optimizations[page] < MAX_OPTIMIZATIONS_PER_PAGE) {
          this.optimizations[page]++;
          this.ready.push(page);
        }
      }
    }
    if (
      this.ready.length > 0 &&
      !this.optimizing &&
      this.inFlight === 0 &&
      performance.now() - this.lastTranslation >= this.optimizeWhenQuietMs
    ) {
      this.optimizeNext();
    }
  }

  /** Ask the second tier for the code of the page that has run most of those waiting. */
  private optimizeNext(): void {
    const ready = this.ready;
    let best = -1;
    let kept = 0;
    for (let k = 0; k < ready.length; k++) {
      const code = this.code[ready[k]];
      // Dropped or retranslated since it asked: stale.
      if (code === undefined || code.tier !== PageTier.READY) continue;
      ready[kept] = ready[k];
      if (best < 0 || code.sampled > this.code[ready[best]]!.sampled) best = kept;
      kept++;
    }
    ready.length = kept;
    if (best < 0) return;
    const page = ready[best];
    ready[best] = ready[kept - 1];
    ready.pop();
    this.optimize(page, this.code[page]!);
  }

  /** Ask the second tier for the page's code (see sample). */
  private optimize(page: number, code: PageCode): void {
    const optimizer = this.optimizer!;
    code.tier = PageTier.OPTIMIZING;
    this.optimizing = true;
    // The page is protected (installed): any write bumps its version, and a result made from
    // older bytes is thrown away, as in send.
    const version = this.versions[page];
    const epoch = this.epoch;
    this.ask(
      optimizer,
      this.pageCopy(page),
      code.entries,
      code.sweep,
      true,
      this.ungrouped.get(page),
      (translated) => {
        this.optimizing = false;
        this.stats.optimizeMs += translated.ms;
        // Replaced meanwhile (retranslated, written, dropped, flushed): that code asks anew.
        if (this.code[page] !== code || this.versions[page] !== version || this.epoch !== epoch) {
          this.stats.discarded++;
          return;
        }
        const instance = new WebAssembly.Instance(translated.module, this.imports);
        // Same page bytes, entries and sweep: the same blocks and resume table, so only the
        // function changes.
        this.table.set(code.slot, instance.exports.run);
        code.tier = PageTier.OPTIMIZED;
        this.stats.optimized++;
      },
      () => {
        // An optimization is only ever a speed-up: without the second tier the pages keep
        // their first translations.
        this.optimizing = false;
        this.optimizer = undefined;
      },
    );
  }

  /** A request to a translator, answered through its `settle` path when it has one (see PageTranslator.request). */
  private ask(
    translator: PageTranslator,
    code: Uint8Array,
    entries: number[],
    sweep: boolean,
    optimize: boolean,
    ungrouped: number[] | undefined,
    done: (translated: TranslatedPage) => void,
    failed: (err: unknown) => void,
  ): void {
    if (translator.request !== undefined && translator.poll !== undefined) {
      translator.request(code, entries, sweep, this.limits, optimize, ungrouped ?? [], (outcome) =>
        outcome instanceof Error ? failed(outcome) : done(outcome),
      );
    } else {
      translator.translate(code, entries, sweep, this.limits, optimize, ungrouped).then(done, failed);
    }
  }

  /**
   * Translated code left for the interpreter after `executed` instructions. A page that keeps
   * doing so after a few instructions (FP, CSRs, MMIO) runs faster in the interpreter alone than
   * through calls and exits: give it up.
   */
  private noteExit(h: Hart, executed: number): void {
    const inPage = offsetInFetchPage(h, h.pc);
    if (inPage < 0) return;
    const page = (h.fetchOffset + inPage) >>> 12;
    const code = this.code[page];
    if (code === undefined) return;
    code.exits++;
    code.executed += executed;
    if (code.exits >= POOR_PAGE_EXITS && code.executed < POOR_PAGE_RATIO * code.exits) {
      this.giveUp(page);
      return;
    }
    // An access group (access-groups.ts) leaves at its first access whenever the span of its
    // offsets does not lie on one page with a TLB entry: a stack frame straddling a page end
    // does so on every run of the block, and user stacks are placed at random (a busybox ash
    // loop left translated code 2.3M times instead of 320K in some boots). Such a block is
    // translated again without groups; its accesses then check their pages one by one.
    if (this.leftGroup(h, h.fetchOffset + inPage) && ++code.groupExits >= GROUP_EXITS) {
      this.ungroup(page, inPage, code);
    }
  }

  /**
   * Whether the load or store at RAM offset `offset` (h.pc) would have run in translated code on
   * its own: a plain access (integer or float) within one page that the TLB holds. Leaving there means its
   * access group's span did not fit.
   */
  private leftGroup(h: Hart, offset: number): boolean {
    const u16 = h.ram.u16;
    let bits = u16[offset >>> 1];
    if ((bits & 3) === 3) {
      if ((offset & 0xfff) === 0xffe) return false;
      bits |= u16[(offset >>> 1) + 1] << 16; // signed, as the decode cache keeps it
    }
    const dc = h.decode;
    const slot = DecodeCache.slotFor(offset);
    if (dc.bits(slot) !== bits) dc.fill(slot, bits);
    const op = dc.op(slot);
    const width = accessWidth(op);
    if (width === 0) return false;
    effectiveAddress(h, dc.rs1(slot), dc.imm(slot));
    const lo = h.addressLo;
    const hi = h.addressHi;
    if ((lo & 0xfff) + width > 4096) return false;
    return (isStore(op) ? probeWrite(h, lo, hi) : probeRead(h, lo, hi)) >= 0;
  }

  /** Translate the page again without access groups in the block at `offset` (see noteExit). */
  private ungroup(page: number, offset: number, code: PageCode): void {
    if (this.compiling[page] !== 0) return; // a translation is under way: try again later
    code.groupExits = 0;
    const list = this.ungrouped.get(page) ?? [];
    if (list.length >= MAX_UNGROUPED || list.includes(offset)) return;
    list.push(offset);
    this.ungrouped.set(page, list);
    this.translate(page, code.entries);
  }

  /** The entries (offsets) the translation of RAM page `page` was made from; undefined if none. */
  entriesOf(page: number): readonly number[] | undefined {
    return this.code[page]?.entries;
  }

  /**
   * An entry without translated code: record it if control `arrived` there; translate the page
   * if hot. True if translated.
   */
  private noteEntry(page: number, offset: number, arrived: boolean): boolean {
    if (arrived) this.pending.add(page, offset);
    const threshold = this.translations[page] > 0 ? this.retranslateThreshold : this.hotThreshold;
    if (this.heat[page] < threshold) {
      return this.profile !== undefined && this.translations[page] === 0 && this.fromProfile(page, offset);
    }
    if (
      this.translations[page] >= this.maxTranslations ||
      this.invalidations[page] >= this.maxInvalidations
    ) {
      this.heat[page] = -Infinity; // cold for good: never counted again
      return false;
    }
    if (this.compiling[page] !== 0) return false;
    const previous = this.code[page];
    const entries = new Set(previous?.entries ?? []);
    // No arrival seen since the last translation (the page was entered mid-way, by bursts, or
    // before a fetch-TLB miss hid it): the offset in hand, or the translation would be the same.
    if (this.pending.count(page) === 0) entries.add(offset);
    else this.pending.addTo(page, entries);
    return this.translate(page, [...entries]);
  }

  /**
   * A page not translated yet runs (see noteEntry): the first time, note the digest of its
   * content and, when the profile knows it, translate it now with the profile's entries (and
   * those seen so far). True if translated.
   */
  private fromProfile(page: number, offset: number): boolean {
    if (this.compiling[page] !== 0 || this.firstDigest[page] !== undefined) return false;
    const digest = pageDigest(this.ram.u8, page * 4096);
    this.firstDigest[page] = digest;
    const known = this.profile!.get(digest);
    if (known === undefined) return false;
    this.stats.profileHits++;
    // Only instruction offsets in the page: an odd one would start a block in the middle of the
    // halfword an even pc starts at (the profile comes from a file; host/jit-profile.ts checks it
    // too).
    const entries = new Set<number>();
    for (const off of known)
      if (Number.isInteger(off) && off >= 0 && off < 4096 && (off & 1) === 0) entries.add(off);
    entries.add(offset);
    this.pending.addTo(page, entries);
    return this.translate(page, [...entries]);
  }

  /**
   * What JitOptions.profile takes in a later run: for each page translated now (or being
   * translated), the digest of its content when it first ran and the entries of its translation.
   */
  profileEntries(): [string, number[]][] {
    const out: [string, number[]][] = [];
    const digest = (page: number) => this.firstDigest[page] ?? pageDigest(this.ram.u8, page * 4096);
    this.code.forEach((code, page) => {
      if (code !== undefined) out.push([digest(page), [...code.entries]]);
    });
    for (const [page, entries] of this.requested) {
      if (this.code[page] === undefined) out.push([digest(page), [...entries]]);
    }
    return out;
  }

  /** Translate the page; true when the translation is installed (false while it compiles). */
  private translate(page: number, entries: number[]): boolean {
    const started = performance.now();
    // Which translations cover all of the page (every instruction reachable by a linear sweep,
    // past returns, jumps and traps): see sweepAfter.
    const sweep = this.translations[page] >= this.sweepAfter;
    this.stats.translations++;
    this.lastTranslation = started;
    if (this.translations[page] < 255) this.translations[page]++;
    this.heat[page] = 0;
    this.pending.clear(page);
    const translator = this.translator;
    if (translator === undefined) {
      const result = translatePage(
        this.ram,
        page * 4096,
        entries,
        this.limits,
        sweep,
        this.optimizeAll,
        this.ungrouped.get(page),
      );
      const translated = { resume: result.resume, byteLength: result.bytes.length };
      this.install(page, new WebAssembly.Module(result.bytes), translated, entries, sweep);
      this.stats.translateMs += performance.now() - started;
      return true;
    }
    // Translate elsewhere; meanwhile the page runs as before (interpreted, or its previous
    // translation). The request waits in the queue until the translator has room (see send).
    this.compiling[page] = 1;
    this.requested.set(page, entries);
    this.queue.push({ page, entries, sweep });
    this.sendQueued(translator);
    this.stats.translateMs += performance.now() - started;
    return false;
  }

  /**
   * Hand queued pages to the translator while it has fewer than its concurrency in hand, the
   * page interpreted most since it was queued first. Pages become hot in bursts (a new phase of the
   * guest: dozens within milliseconds) and the translator does one at a time, ~4 ms each: in
   * the order they became hot, a Debian boot's requests waited 20 ms on average and up to 150,
   * while the guest interpreted the pages that mattered most behind ones it had left.
   */
  private sendQueued(translator: PageTranslator): void {
    const queue = this.queue;
    const heat = this.heat;
    const concurrency = translator.concurrency ?? Infinity;
    while (this.inFlight < concurrency && queue.length > 0) {
      let best = 0;
      for (let k = 1; k < queue.length; k++) if (heat[queue[k].page] > heat[queue[best].page]) best = k;
      const request = queue[best];
      queue[best] = queue[queue.length - 1];
      queue.pop();
      if (heat[request.page] === -Infinity) {
        // Given up on (or cold for good) while it waited.
        this.compiling[request.page] = 0;
        this.requested.delete(request.page);
        continue;
      }
      this.send(translator, request);
    }
  }

  private send(translator: PageTranslator, request: QueuedTranslation): void {
    const { page, sweep } = request;
    // Arrivals recorded while the request waited are entries too.
    const entries = new Set(request.entries);
    this.pending.addTo(page, entries);
    this.pending.clear(page);
    const list = [...entries];
    // Protecting the page before copying it means any write from here on bumps its version,
    // and a result made from older bytes is thrown away.
    this.protect(page);
    const version = this.versions[page];
    const epoch = this.epoch;
    this.inFlight++;
    this.ask(
      translator,
      this.pageCopy(page),
      list,
      sweep,
      false,
      this.ungrouped.get(page),
      (translated) => {
        this.compiling[page] = 0;
        this.requested.delete(page);
        this.inFlight--;
        this.stats.translateMs += translated.ms;
        if (this.versions[page] !== version || this.epoch !== epoch) {
          this.stats.discarded++;
        } else {
          const installStarted = performance.now();
          this.install(page, translated.module, translated, list, sweep);
          this.stats.translateMs += performance.now() - installStarted;
        }
        this.sendQueued(translator);
      },
      (err: unknown) => {
        this.compiling[page] = 0;
        this.requested.delete(page);
        this.inFlight--;
        this.asyncError ??= err instanceof Error ? err : new Error(String(err));
      },
    );
  }

  /**
   * The bytes of RAM page `page`, as a translator takes them (its own copy), and the next page's
   * first two (the upper half of an instruction straddling the page's end; translated code checks
   * them before use, see translate.ts emitStraddleGuard) unless this is RAM's last page.
   */
  private pageCopy(page: number): Uint8Array {
    return this.ram.u8.slice(page * 4096, page * 4096 + 4098);
  }

  private install(
    page: number,
    module: WebAssembly.Module,
    result: { resume: Uint8Array; byteLength: number },
    entries: number[],
    sweep: boolean,
  ): void {
    const previous = this.code[page];
    if (previous !== undefined) this.drop(page, previous);
    if (result.byteLength > this.maxCodeBytes) {
      // One translation larger than the whole cache may hold: the page stays interpreted.
      this.giveUp(page);
      return;
    }
    const instance = new WebAssembly.Instance(module, this.imports);
    if (
      this.stats.pages + 1 > this.maxPages ||
      this.stats.codeBytes + result.byteLength > this.maxCodeBytes
    ) {
      this.flush();
    }
    const slot = this.allocateSlot();
    this.table.set(slot, instance.exports.run);
    this.memory.codeIndex[page] = slot;
    this.code[page] = {
      slot,
      entries,
      sweep,
      bytes: result.byteLength,
      resume: result.resume,
      exits: 0,
      executed: 0,
      sampled: 0,
      groupExits: 0,
      tier: PageTier.BASELINE,
    };
    this.stats.pages++;
    this.stats.codeBytes += result.byteLength;
    this.protect(page);
  }

  private allocateSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.nextSlot >= this.table.length) this.table.grow(Math.max(64, this.table.length));
    return this.nextSlot++;
  }

  /** Mark the page as code and drop the write TLB entries that would let stores bypass the check. */
  private protect(page: number): void {
    this.ram.codePages[page] = 1;
    const offset = page * 4096;
    for (const h of this.harts) {
      if (h.writeMapped[page] === 0) continue;
      h.writeMapped[page] = 0;
      h.dropWriteEntries(offset);
    }
  }

  private drop(page: number, code: PageCode): void {
    this.code[page] = undefined;
    this.ram.codePages[page] = 0;
    this.memory.codeIndex[page] = 0;
    this.table.set(code.slot, null);
    this.freeSlots.push(code.slot);
    this.stats.pages--;
    this.stats.codeBytes -= code.bytes;
  }

  /** The page was written: its translation is stale. */
  invalidate(page: number): void {
    this.versions[page]++;
    // New code: its blocks start afresh (with access groups), its content is new.
    this.ungrouped.delete(page);
    this.firstDigest[page] = undefined;
    const code = this.code[page];
    if (code === undefined) {
      this.ram.codePages[page] = 0;
      return;
    }
    this.drop(page, code);
    this.stats.invalidations++;
    if (this.invalidations[page] < 255) this.invalidations[page]++;
    this.heat[page] = 0;
  }

  /** Drop the page's translation and never translate it again (until a flush). */
  private giveUp(page: number): void {
    const code = this.code[page];
    if (code !== undefined) this.drop(page, code);
    this.translations[page] = 255;
    this.heat[page] = -Infinity;
    this.stats.abandoned++;
  }

  /** Empty the code cache. */
  flush(): void {
    for (let page = 0; page < this.code.length; page++) {
      const code = this.code[page];
      if (code !== undefined) this.drop(page, code);
    }
    this.heat.fill(0);
    this.optimizations.fill(0);
    this.firstDigest.fill(undefined);
    this.ready.length = 0;
    this.pending.clearAll();
    this.epoch++;
    this.stats.flushes++;
  }
}
