// Keeps the benchmark workloads correct without timing anything: each workload's small build
// (-DSMALL, a few million instructions) must pass its own self-check under rvisor, and under QEMU
// when qemu-system-riscv64 is installed. scripts/run-tests.mjs builds bench/programs first.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { WORKLOADS, workloadElf } from './programs.js';
import { findQemu, runQemu } from './qemu.js';
import { closeRunners, loadRunBareMetal, runWithConsole } from './rvisor.js';

const qemu = findQemu();

// The runners' translation workers keep the process alive until closed.
after(closeRunners);

function kernelOf(name: string): Uint8Array {
  const elf = workloadElf(name, 'small');
  assert.ok(existsSync(elf), `${elf} is missing: run make -C bench/programs`);
  return new Uint8Array(readFileSync(elf));
}

for (const w of WORKLOADS) {
  const line = new RegExp(`^${w.name}: sum=0x[0-9a-f]{16} PASS\\r?\\n$`);

  test(`workload ${w.name} (small) passes its self-check under rvisor`, async () => {
    const run = await loadRunBareMetal();
    // The runner is part of the product: its absence is a failure, never a skip.
    if (typeof run === 'string') assert.fail(run);
    const { result, console } = await runWithConsole(run, {
      kernel: kernelOf(w.name),
      memoryBytes: 128 * 1024 * 1024,
      maxInstructions: 100_000_000,
    });
    assert.equal(result.error, undefined, `rvisor error; console: ${console}`);
    assert.match(console, line);
    assert.equal(result.finisher, 'pass');
    assert.equal(result.exitCode, 0);
    assert.ok(result.instret > 1_000_000, `instret ${result.instret}`);
  });

  test(
    `workload ${w.name} (small) passes its self-check under QEMU`,
    { skip: qemu ? false : 'no QEMU' },
    () => {
      kernelOf(w.name);
      const r = runQemu(workloadElf(w.name, 'small'), 60);
      assert.equal(r.timedOut, false);
      assert.match(r.output, line);
      assert.equal(r.exitCode, 0);
    },
  );
}
