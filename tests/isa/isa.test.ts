// Runs every self-checking ISA test program (tests/isa/build/*.elf, built by `make -C tests/isa`)
// under rvisor. Each program reports through the test finisher: pass, or fail with the number of
// the failing case (see tests/isa/macros.h and the comments in tests/isa/<name>.S).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { runBareMetal } from '../../src/host/bare-metal.js';

// This file runs from dist/tests/isa/; the ELFs stay in the source tree.
const buildDir = new URL('../../../tests/isa/build/', import.meta.url);
const elfs = existsSync(buildDir)
  ? readdirSync(buildDir)
      .filter((f) => f.endsWith('.elf'))
      .sort()
  : [];

// Generous: the longest test retires a few million instructions; a hung test stops here.
const MAX_INSTRUCTIONS = 200_000_000;

if (elfs.length === 0) {
  test('ISA suite is built', () => {
    assert.fail('tests/isa/build has no .elf files: the ISA suite was not built (run `make -C tests/isa`)');
  });
}

for (const elf of elfs) {
  const name = elf.replace(/\.elf$/, '');
  test(`isa ${name}`, () => {
    const kernel = new Uint8Array(readFileSync(new URL(elf, buildDir)));
    const output: number[] = [];
    const result = runBareMetal({
      kernel,
      maxInstructions: MAX_INSTRUCTIONS,
      onConsole: (bytes) => output.push(...bytes),
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
    assert.equal(result.finisher, 'pass', `${name}: ${what}`);
    assert.equal(result.exitCode, 0, `${name}: ${what}`);
  });
}
