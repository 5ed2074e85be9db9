// rvisor's bare-metal runner, loaded when src/host/bare-metal.ts has been built. The import is by a
// computed URL so that the benchmarks build (and say what is missing) before that module exists.
// Runs with the JIT get the translators `rvisor run` has (both tiers on worker threads), made once
// per loaded runner and shared by its runs, as in a daemon running many VMs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BareMetalOptions {
  kernel: Uint8Array;
  memoryBytes?: number;
  maxInstructions?: number;
  onConsole?: (bytes: Uint8Array) => void;
  /** false: the interpreter only. */
  jit?: boolean;
  /** Raw JitOptions fields (src/engine/jit/jit.ts) over the runner's own. */
  jitOptions?: Record<string, unknown>;
}

/** The JIT's counters (src/engine/jit/jit.ts JitStats), as far as the benchmarks use them. */
export interface JitFigures {
  translations: number;
  translateMs: number;
  pages: number;
  codeBytes: number;
  instructions: number;
  /** Pages the second tier recompiled, and its time (absent before it existed). */
  optimized?: number;
  optimizeMs?: number;
}

export interface BareMetalResult {
  exitCode: number;
  finisher: 'pass' | 'fail' | 'none';
  instret: number;
  seconds: number;
  error?: string;
  jit?: JitFigures;
}

export type RunBareMetal = (opts: BareMetalOptions) => Promise<BareMetalResult>;

const MODULE = new URL('../src/host/bare-metal.js', import.meta.url);

/** The translators of the runners loaded so far (see closeRunners). */
const opened: Record<string, unknown>[] = [];

/** Stop the translation workers of every runner loaded (they keep a process alive until then). */
export async function closeRunners(): Promise<void> {
  const all = opened.splice(0).flatMap((t) => Object.values(t)) as { close?: () => Promise<void> }[];
  await Promise.all(all.map((t) => t.close?.()));
}

/** runBareMetal, or a sentence saying why it is not available. */
export async function loadRunBareMetal(module: URL = MODULE): Promise<RunBareMetal | string> {
  if (!existsSync(fileURLToPath(module))) return 'src/host/bare-metal.ts (runBareMetal) does not exist yet';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(module.href)) as Record<string, unknown>;
  } catch (err) {
    return `src/host/bare-metal.js failed to load: ${err instanceof Error ? err.message : String(err)}`;
  }
  const fn = mod['runBareMetalAsync'];
  if (typeof fn !== 'function') return 'src/host/bare-metal.js does not export runBareMetalAsync';
  const workers = new URL('translation-worker.js', module);
  let translators: Record<string, unknown> | undefined;
  try {
    const make = ((await import(workers.href)) as Record<string, unknown>)['workerTranslators'];
    if (typeof make === 'function') translators = (make as () => Record<string, unknown>)();
  } catch {
    // no workers: pages are translated on the running thread
  }
  if (translators !== undefined) opened.push(translators);
  const run = fn as (opts: BareMetalOptions) => Promise<BareMetalResult>;
  return (opts) =>
    run(opts.jit === false ? opts : { ...opts, jitOptions: { ...translators, ...opts.jitOptions } });
}

/**
 * runBareMetal's warm-up (warmUpBareMetal: V8's training run, once per process, as `rvisor run`
 * does before a boot), or undefined when the module has none.
 */
export async function loadWarmUp(module: URL = MODULE): Promise<((jit?: boolean) => number) | undefined> {
  if (!existsSync(fileURLToPath(module))) return undefined;
  try {
    const fn = ((await import(module.href)) as Record<string, unknown>)['warmUpBareMetal'];
    return typeof fn === 'function' ? (fn as (jit?: boolean) => number) : undefined;
  } catch {
    return undefined;
  }
}

export interface ConsoleRun {
  readonly result: BareMetalResult;
  readonly console: string;
}

/** Runs a kernel under rvisor, collecting what it prints. */
export async function runWithConsole(
  run: RunBareMetal,
  opts: Omit<BareMetalOptions, 'onConsole'>,
): Promise<ConsoleRun> {
  const chunks: Uint8Array[] = [];
  const result = await run({ ...opts, onConsole: (bytes) => chunks.push(bytes.slice()) });
  return { result, console: Buffer.concat(chunks).toString('latin1') };
}
