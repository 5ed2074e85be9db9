// Runs every self-checking ISA test program (tests/isa/build/*.elf, built by `make -C tests/isa`)
// under rvisor, once per execution tier: the interpreter alone, and with the JIT (src/engine/jit).
// Each program reports through the test finisher: pass, or fail with the number of the failing
// case (see tests/isa/macros.h and the comments in tests/isa/<name>.S).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { runBareMetal, type BareMetalOptions } from '../../src/host/bare-metal.js';

// This file runs from dist/tests/isa/; the ELFs stay in the source tree.
const buildDir = new URL('../../../tests/isa/build/', import.meta.url);
const elfs = existsSync(buildDir)
  ? readdirSync(buildDir)
      .filter((f) => f.endsWith('.elf'))
      .sort()
  : [];

// Generous: the longest test retires a few million instructions; a hung test stops here.
const MAX_INSTRUCTIONS = 200_000_000;

// The JIT's default threshold (2000 interpreted instructions per page) would leave most of these
// short programs to the interpreter; with 10, nearly every page that runs a loop is translated.
// Guest time follows retired instructions (icount): timer cases such as "mtimecmp 100 us ahead is
// not pending yet" must not depend on how long the host took (a translation, a busy CI machine).
const TIERS: { tier: string; options: Pick<BareMetalOptions, 'jit' | 'jitOptions' | 'clock'> }[] = [
  { tier: 'interpreter', options: { jit: false, clock: 'icount' } },
  { tier: 'jit', options: { jit: true, jitOptions: { hotThreshold: 10 }, clock: 'icount' } },
];

if (elfs.length === 0) {
  test('ISA suite is built', () => {
    assert.fail('tests/isa/build has no .elf files: the ISA suite was not built (run `make -C tests/isa`)');
  });
}

for (const elf of elfs) {
  const name = elf.replace(/\.elf$/, '');
  for (const { tier, options } of TIERS) {
    test(`isa ${name} (${tier})`, () => {
      const kernel = new Uint8Array(readFileSync(new URL(elf, buildDir)));
      const output: number[] = [];
      const result = runBareMetal({
        kernel,
        maxInstructions: MAX_INSTRUCTIONS,
        onConsole: (bytes) => output.push(...bytes),
        ...options,
      });
      let what: string;
      if (result.finisher === 'fail') {
        what = `failed case ${result.exitCode} (see tests/isa/${name}.S)`;
      } else if (result.finisher === 'none') {
        what = `did not finish: ${result.error ?? 'no finisher write'}`;
      } else {
        what = 'passed';
      }
      if (output.length > 0) what += `; console: ${Buffer.from(output).toString('latin1')}`;
      assert.equal(result.finisher, 'pass', `${name} (${tier}): ${what}`);
      assert.equal(result.exitCode, 0, `${name} (${tier}): ${what}`);
    });
  }
}
