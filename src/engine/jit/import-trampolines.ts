// Page modules import three runtime functions (fp, sfence, time: jit.ts). Instantiating a module
// whose imports are JavaScript functions costs V8 (11.3) ~0.15 ms per instance for the
// wasm-to-JS call wrappers, about 0.1 s of a Debian boot's ~680 installs on the guest's thread;
// wasm functions import for ~0.02 ms. So one small module imports the JavaScript functions once
// and exports wasm functions that call them, and page modules import those.

import { buildModule, FunctionWriter, moduleFunction, ValType, type FunctionType } from './wasm-writer.js';

/** The runtime functions page modules import, in their import order (translate.ts IMPORT_*). */
export const PAGE_IMPORTS: readonly { name: string; type: FunctionType }[] = [
  { name: 'fp', type: { params: [ValType.I32, ValType.I32, ValType.I32], results: [ValType.I32] } },
  { name: 'sfence', type: { params: [ValType.I32, ValType.I32, ValType.I32], results: [ValType.I32] } },
  { name: 'time', type: { params: [ValType.I32], results: [ValType.F64] } },
];

type RuntimeFunction = (...args: number[]) => number;

/**
 * The env for instantiating page modules: `memory`, and each of PAGE_IMPORTS as a wasm function
 * calling the JavaScript one in `functions`.
 */
export function pageImports(
  memory: WebAssembly.Memory,
  functions: Record<string, RuntimeFunction>,
): WebAssembly.Imports {
  const bodies = PAGE_IMPORTS.map(({ name, type }, index) => {
    const f = new FunctionWriter(type.params.length);
    for (let p = 0; p < type.params.length; p++) f.get(p);
    f.call(index);
    return moduleFunction(index, f.body(), name);
  });
  const module = new WebAssembly.Module(
    buildModule(
      PAGE_IMPORTS.map((i) => i.type),
      bodies,
      false,
      PAGE_IMPORTS.map(({ name }, index) => ({ name, type: index })),
    ),
  );
  const env: Record<string, WebAssembly.ImportValue> = { memory };
  for (const { name } of PAGE_IMPORTS) env[name] = functions[name];
  const exports = new WebAssembly.Instance(module, { env }).exports;
  const out: Record<string, WebAssembly.ImportValue> = { memory };
  for (const { name } of PAGE_IMPORTS) out[name] = exports[name] as RuntimeFunction;
  return { env: out };
}
