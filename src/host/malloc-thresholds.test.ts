// raiseMallocThresholds: after it (and a garbage collection), compiling translated pages stops
// faulting fresh memory in for every compile. Measured in fresh processes by their page-fault
// count (Linux /proc), on glibc only: elsewhere the call does nothing to measure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runModuleChild } from '../../tests/helpers/module-child.js';

const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
const glibc = process.platform === 'linux' && report?.header?.glibcVersionRuntime !== undefined;

const CHILD = `
const [thresholds, translate, warmUp, hartState, raise] = process.argv.slice(1);
const { raiseMallocThresholds } = await import(thresholds);
const { translatePageCopy, inertPageImports, DEFAULT_LIMITS } = await import(translate);
const { warmUpSweepPage } = await import(warmUp);
const { newWasmMemory } = await import(hartState);
const { readFileSync } = await import('node:fs');
const faults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
if (raise === '1') raiseMallocThresholds();
globalThis.gc();
const { code, entry } = warmUpSweepPage();
const bytes = translatePageCopy(code, [entry], DEFAULT_LIMITS, true).bytes;
const imports = inertPageImports(newWasmMemory(1));
const compile = () => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports.run(entry >>> 1, 0n, 0, 0, 0);
for (let i = 0; i < 20; i++) compile();
const before = faults();
for (let i = 0; i < 100; i++) compile();
console.log(JSON.stringify({ perCompile: (faults() - before) / 100, bytes: bytes.length }));
`;

function faultsPerCompile(raise: boolean): { perCompile: number; bytes: number } {
  const at = (path: string) => new URL(path, import.meta.url).href;
  return runModuleChild<{ perCompile: number; bytes: number }>(
    ['--expose-gc', '--liftoff-only', '--no-wasm-native-module-cache-enabled'],
    CHILD,
    [
      at('./malloc-thresholds.js'),
      at('../engine/jit/translate.js'),
      at('../engine/warm-up.js'),
      at('../engine/cpu/hart-state.js'),
      raise ? '1' : '0',
    ],
    { cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
}

test(
  'compiling pages stops faulting in fresh memory once the malloc thresholds are raised',
  { skip: !glibc && 'glibc only' },
  (t) => {
    const before = faultsPerCompile(false);
    const after = faultsPerCompile(true);
    assert.ok(before.bytes > 10_000, `a page of some size: ${before.bytes} bytes of wasm`);
    if (before.perCompile < 20) {
      // This host's malloc keeps its memory anyway (tunables set, or huge pages): nothing to show.
      t.skip(`only ${before.perCompile} page faults per compile to begin with`);
      return;
    }
    assert.ok(
      after.perCompile * 2 < before.perCompile,
      `page faults per compile: ${before.perCompile} before, ${after.perCompile} after`,
    );
  },
);
